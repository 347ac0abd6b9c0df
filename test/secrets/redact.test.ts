import { REDACTED, isSecretName, redactText, redactUrl, redactValue, urlOrigin } from '../../src/secrets/redact';

describe('secret redaction', () => {
  const texts: Array<[string, string, string]> = [
    ['URL credentials', 'postgres://bridge:S3cretPw@db:5432/bridge', 'postgres://bridge:***@db:5432/bridge'],
    [
      'a password with / and # that breaks URL parsing',
      'postgres://bridge:S3c/ret#Pw@db:5432/bridge',
      'postgres://bridge:***@db:5432/bridge',
    ],
    [
      'a password with an @ in it',
      'postgres://bridge:p@ss@db/x?sslmode=require',
      'postgres://bridge:***@db/x?sslmode=require',
    ],
    [
      'a libpq key/value string',
      'host=db user=bridge password=S3cretPw dbname=x',
      'host=db user=bridge password=*** dbname=x',
    ],
    [
      'a quoted libpq password with an escaped quote',
      "host=db password='S3 cr\\'et' dbname=x",
      'host=db password=*** dbname=x',
    ],
    [
      'a Slack-style webhook token in the path',
      'POST https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/aBcDeFgHiJkLmNoPqRsTuVwX failed',
      'POST https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/*** failed',
    ],
    [
      'a Telegram bot token in the path',
      'https://api.telegram.org/bot123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage',
      'https://api.telegram.org/***/sendMessage',
    ],
    ['a token in the query', 'https://example.com/hook?token=abc123&x=1', 'https://example.com/hook?token=***&x=1'],
    ['an API key in the query', 'https://example.com/hook?key=abc123', 'https://example.com/hook?key=***'],
    ["the gateway's session cookie header", 'Cookie: x-sess-uuid=0.1a2b3c; JSESSIONID=DEF', 'Cookie: ***'],
    ['a session cookie as a pair', 'login ok, x-sess-uuid=0.1a2b3c4d', 'login ok, x-sess-uuid=***'],
    ['an authorization header', 'failed: Authorization: Bearer eyJabc.def.ghi', 'failed: Authorization: ***'],
    ['a bearer token', 'sent with Bearer eyJhbGciOiJIUzI1NiJ9', 'sent with Bearer ***'],
  ];

  it.each(texts)('hides %s', (_name, text, expected) => {
    expect(redactText(text)).toBe(expected);
  });

  it('leaves text without secrets as it is', () => {
    const plain = [
      'connect ECONNREFUSED 127.0.0.1:5432 via postgres://postgres@127.0.0.1:5432/test',
      'duplicate key=ibkr-bridge-DU1:1700000000000 design=x',
      'https://localhost:5000/v1/api/iserver/accounts',
      'gateway at https://localhost:5000 answered',
      'cycle 12 wrote 1 row in 35 ms',
    ];
    expect(plain.map(redactText)).toEqual(plain);
  });

  it('hides values under secret names at any depth and redacts every string', () => {
    expect(
      redactValue({
        attempt: 1,
        password: 'hunter2',
        nested: { sessionToken: 'abc', url: 'postgres://u:pw@h/d', passed: true },
        list: ['password=1', { apiKey: 'k' }],
        cookie: null,
      }),
    ).toEqual({
      attempt: 1,
      password: REDACTED,
      nested: { sessionToken: REDACTED, url: 'postgres://u:***@h/d', passed: true },
      list: ['password=***', { apiKey: REDACTED }],
      cookie: null,
    });
  });

  it('tells secret names from innocent ones', () => {
    expect(
      ['password', 'DB_PASSWORD', 'pass', 'sessionToken', 'Cookie', 'api_key', 'JSESSIONID'].map(isSecretName),
    ).toEqual([true, true, true, true, true, true, true]);
    expect(['passed', 'bypass', 'account', 'key', 'mode'].map(isSecretName)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('keeps only where a webhook points', () => {
    expect(urlOrigin('https://hooks.slack.com/services/T0/B0/xyz')).toBe('https://hooks.slack.com/***');
    expect(urlOrigin('hooks.slack.com/services/T0/B0/xyz')).toBe('hooks.slack.com/***');
    expect(urlOrigin('https://alerts.example.com')).toBe('https://alerts.example.com');
  });

  it('shows a URL with its password hidden and everything else kept', () => {
    expect(redactUrl('postgresql://bridge:S3cretPw@db.internal:6432/greeks?application_name=bridge')).toBe(
      'postgresql://bridge:***@db.internal:6432/greeks?application_name=bridge',
    );
  });
});
