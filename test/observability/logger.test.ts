import { Writable } from 'node:stream';
import { createLogger } from '../../src/observability/logger';

/** The JSON lines a logger writes, parsed. */
function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>>; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    stream,
    text: () => text,
    lines: () =>
      text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('the logger', () => {
  it('writes no password, token, cookie or URL credential, wherever it sits in a line', () => {
    const out = capture();
    const logger = createLogger('info', { destination: out.stream });
    logger.info({ database: 'postgres://bridge:S3cretPw@db:5432/greeks' }, 'connecting');
    logger.warn({ request: { headers: { cookie: 'x-sess-uuid=S3cretCookie' } }, sessionToken: 'S3cretTok' }, 'login');
    logger.error(new Error('connect failed for host=db user=bridge password=S3cretPw'));
    logger.info('webhook https://alerts.example.com/hook?token=S3cretTok answered 500');

    expect(out.text()).not.toMatch(/S3cret/);
    const [connecting, login, failed, webhook] = out.lines();
    expect(connecting).toMatchObject({ database: 'postgres://bridge:***@db:5432/greeks', msg: 'connecting' });
    expect(login).toMatchObject({ request: { headers: { cookie: '***' } }, sessionToken: '***', msg: 'login' });
    expect(failed).toMatchObject({
      msg: 'connect failed for host=db user=bridge password=***',
      err: { message: 'connect failed for host=db user=bridge password=***' },
    });
    expect(webhook.msg).toBe('webhook https://alerts.example.com/hook?token=*** answered 500');
  });

  it('leaves lines without secrets as they were', () => {
    const out = capture();
    createLogger('info', { destination: out.stream, name: 'test' }).info({ cycle: 12, rows: 1 }, 'cycle written');
    expect(out.lines()[0]).toMatchObject({ name: 'test', level: 30, cycle: 12, rows: 1, msg: 'cycle written' });
  });
});
