import { Client } from 'pg';
import type { Broker } from '../../src/broker/types';
import { AdvisoryLockLease, LOCK_KEEPALIVE } from '../../src/worker/connectionLease';
import { createTestDatabase, type TestDatabase } from '../support/database';

/** Only start/stop are used by the lease; the rest of the broker does not matter here. */
function brokerStub(): Broker & { starts: number; stops: number } {
  const stub = {
    starts: 0,
    stops: 0,
    start() {
      stub.starts += 1;
    },
    async stop() {
      stub.stops += 1;
    },
  };
  return stub as unknown as Broker & { starts: number; stops: number };
}

describe('the IB connection lease (a PostgreSQL advisory lock per client id)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('lease');
  });
  afterAll(async () => {
    await database?.drop();
  });

  const lease = (workerId: string, broker = brokerStub()) =>
    new AdvisoryLockLease({ databaseUrl: database.url, clientId: 77, queue: `q@${workerId}`, workerId, broker });

  it('gives the IB connection to one worker per client id, and to the next when the holder releases it', async () => {
    const first = lease('one');
    const secondBroker = brokerStub();
    const second = lease('two', secondBroker);
    try {
      await expect(first.acquire('DU1')).resolves.toMatchObject({ queue: 'q@one', workerId: 'one' });
      await expect(second.acquire('DU1')).rejects.toThrow(/IB client id 77 is held by another worker/);
      expect(secondBroker.starts).toBe(0);
      await first.release();
      await expect(second.acquire('DU1')).resolves.toMatchObject({ workerId: 'two' });
      expect(secondBroker.starts).toBe(1);
    } finally {
      await first.release();
      await second.release();
    }
  });

  it('remembers the workflows it granted the session to, and takes no grant once released (it is stopping)', async () => {
    const holder = lease('grants');
    const broker = brokerStub();
    const next = lease('after', broker);
    try {
      await holder.acquire('DU1', 'ibkr-bridge-DU1');
      await holder.acquire('DU1', 'ibkr-bridge-DU1');
      await expect(next.acquire('DU1', 'ibkr-bridge-DU2')).rejects.toThrow(/held by another worker/);
      expect(holder.grantees()).toEqual(['ibkr-bridge-DU1']);
      expect(next.grantees()).toEqual([]);
      await holder.release();
      // The lock is free, but a released lease belongs to a stopping worker: the grant is another worker's to take.
      await expect(holder.acquire('DU1', 'ibkr-bridge-DU1')).rejects.toThrow(/this worker is stopping/);
      expect(holder.holds()).toBe(false);
      await expect(next.acquire('DU1', 'ibkr-bridge-DU1')).resolves.toMatchObject({ workerId: 'after' });
      expect(broker.starts).toBe(1);
    } finally {
      await holder.release();
      await next.release();
    }
  });

  it("asks PostgreSQL to probe the lock's idle connection, so a vanished machine frees the lock in about 30 s", async () => {
    const holder = lease('keepalive');
    try {
      await holder.acquire('DU1');
      const backend = await holder.lockBackend();
      // Over TCP (the test database's URL is host:port), PostgreSQL reports the session's own settings.
      expect(backend?.keepalive).toEqual({
        idle: String(LOCK_KEEPALIVE.idleSeconds),
        interval: String(LOCK_KEEPALIVE.intervalSeconds),
        count: String(LOCK_KEEPALIVE.count),
      });
      const observer = new Client({ connectionString: database.url });
      await observer.connect();
      try {
        const locks = await observer.query(
          "select pid from pg_locks where locktype = 'advisory' and granted and pid = $1",
          [backend!.pid],
        );
        expect(locks.rowCount).toBe(1);
      } finally {
        await observer.end();
      }
    } finally {
      await holder.release();
    }
    expect(await holder.lockBackend()).toBeNull();
  });
});
