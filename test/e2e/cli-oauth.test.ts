import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';

describe('CLI: clients, users and simulate against a real server', function () {
  this.timeout(60_000); // a dozen CLI processes, each starting from source
  let dir: string;
  let server: TestServer;
  let global: string[];
  let deliveryFile: string;
  const db = () => join(dir, 'shared.db');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-cli-'));
    writeFileSync(
      join(dir, 'default.yaml'),
      [
        'environment: test',
        'db:',
        '  client: sqlite',
        `  filename: ${JSON.stringify(db())}`,
        'log:',
        '  level: silent',
        'sources:',
        '  shop:',
        '    auth:',
        '      mode: oauth2',
        '  tok:',
        '    auth:',
        '      mode: token',
        '      tokens:',
        '        - name: t',
        '          value: cli-test-token-0123456789',
        '',
      ].join('\n'),
    );
    global = ['--config-dir', dir];
    deliveryFile = join(dir, 'subscription-added.json');
    writeFileSync(deliveryFile, JSON.stringify(delivery()));
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function field(output: string, name: string): string {
    const match = new RegExp(`^${name}:\\s+(\\S+)$`, 'm').exec(output);
    assert.ok(match?.[1], `no ${name} in ${output}`);
    return match[1];
  }

  it('issues clients and users once, lists without secrets, refuses a source that is not oauth2, and the credentials work', async function () {
    // Ten CLI processes in a row: on a loaded machine that alone takes over mocha's default 20 s.
    this.timeout(90_000);
    const add = await runCli([
      ...global,
      'clients',
      'add',
      '--source',
      'shop',
      '--description',
      'AppDirect production',
      '--grants',
      'client_credentials,password',
    ]);
    assert.equal(add.code, 0, add.stderr);
    assert.equal(field(add.stdout, 'grants'), 'client_credentials,password');
    const clientId = field(add.stdout, 'client_id');
    const secret = field(add.stdout, 'client_secret');

    const refused = await runCli([...global, 'clients', 'add', '--source', 'tok']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /not configured with auth mode oauth2/);
    assert.equal((await runCli([...global, 'users', 'add', '--source', 'tok', '--username', 'x'])).code, 1);

    const user = await runCli([...global, 'users', 'add', '--source', 'shop', '--username', 'appdirect']);
    assert.equal(user.code, 0, user.stderr);
    const password = field(user.stdout, 'password');
    const chosen = await runCli([...global, 'users', 'add', '--source', 'shop', '--username', 'chosen', '--password-stdin'], {
      stdin: 'a-password-from-stdin-123\n',
    });
    assert.equal(chosen.code, 0, chosen.stderr);
    assert.doesNotMatch(chosen.stdout, /a-password-from-stdin/);

    const list = await runCli([...global, 'clients', 'list', '--source', 'shop']);
    assert.match(list.stdout, new RegExp(`${clientId}\\s+source=shop .* active\\s+"AppDirect production"`));
    assert.match(list.stdout, new RegExp(`${clientId}\\s+source=shop\\s+grants=client_credentials,password\\s`));
    assert.ok(!list.stdout.includes(secret));

    server = await startTestServer({ db: { client: 'sqlite', filename: db() }, sources: { shop: { auth: { mode: 'oauth2' } } } });
    const cc = await runCli(
      [
        ...global,
        'simulate',
        '--url',
        server.url,
        '--source',
        'shop',
        '--auth',
        'oauth2-client-credentials',
        '--client-id',
        clientId,
        deliveryFile,
      ],
      { env: { APPDIRECT_SYNC_SIMULATE_CLIENT_SECRET: secret } },
    );
    assert.equal(cc.code, 0, cc.stdout + cc.stderr);
    assert.match(cc.stdout, /subscription-added\.json attempt=1\/7 status=200 result=accepted/);
    assert.ok(!cc.stdout.includes(secret));

    const pw = await runCli(
      [
        ...global,
        'simulate',
        '--url',
        `${server.url}/webhooks/shop`,
        '--source',
        'shop',
        '--auth',
        'oauth2-password',
        '--client-id',
        clientId,
        '--client-auth',
        'body',
        '--username',
        'chosen',
        deliveryFile,
      ],
      { env: { APPDIRECT_SYNC_SIMULATE_CLIENT_SECRET: secret, APPDIRECT_SYNC_SIMULATE_PASSWORD: 'a-password-from-stdin-123' } },
    );
    assert.equal(pw.code, 0, pw.stdout + pw.stderr);
    assert.match(pw.stdout, /status=200 result=duplicate|status=200 result=accepted/);
    assert.ok(password.length >= 24);

    const revoke = await runCli([...global, 'clients', 'revoke', clientId]);
    assert.equal(revoke.code, 0, revoke.stderr);
    const after = await runCli(
      [
        ...global,
        'simulate',
        '--url',
        server.url,
        '--source',
        'shop',
        '--auth',
        'oauth2-client-credentials',
        '--client-id',
        clientId,
        '--retry-schedule',
        '1',
        '--time-scale',
        '0.001',
        deliveryFile,
      ],
      { env: { APPDIRECT_SYNC_SIMULATE_CLIENT_SECRET: secret } },
    );
    assert.equal(after.code, 1);
    assert.match(after.stdout, /token-request-failed\(401 invalid_client\)/);
    assert.match(after.stdout, /0\/1 deliveries accepted/);
    assert.match((await runCli([...global, 'clients', 'list'])).stdout, /revoked/);
  });
});
