import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { startBridge } from '../../src/cli/startBridge';
import { loadConfig } from '../../src/config/load';
import { freePort } from '../../src/infra/freePort';
import { startTemporalDevServer, type DevServerHandle } from '../../src/infra/temporalServer';
import { MAIN_ACCOUNT } from '../../src/sim/model';
import type { ibkrBridge } from '../../src/workflows/bridge';
import { statusQuery } from '../../src/workflows/messages';
import { eventually, fastSettings, testBridgeStack, type BridgeStack } from '../bridge/stack';
import { bundleWorkflows } from '../support/temporal';
import { artifactPath, launchChromium } from './support/browser';

/**
 * What an operator sees: a dev server with its Web UI, the whole bridge against the TWS simulator, the workflow
 * started the way `bridge start` and `npm start` start it, and the workflow's page in headless Chromium.
 */
describe('the Temporal Web UI in a real browser', () => {
  let server: DevServerHandle;
  let env: TestWorkflowEnvironment;
  let stack: BridgeStack;
  let handle: WorkflowHandle<typeof ibkrBridge>;
  let browser: Browser;
  let page: Page;
  let workflowUrl: string;

  beforeAll(async () => {
    server = await startTemporalDevServer({ uiPort: await freePort() });
    env = await TestWorkflowEnvironment.createFromExistingServer({ address: server.address, namespace: 'default' });
    stack = await testBridgeStack(env, await bundleWorkflows()).start();
    const config = loadConfig({ TEMPORAL_TASK_QUEUE: stack.taskQueue, CYCLE_INTERVAL_MS: '1000' });
    const started = await startBridge(env.client, config, MAIN_ACCOUNT, fastSettings({ intervalMs: 1000 }));
    handle = env.client.workflow.getHandle<typeof ibkrBridge>(started.workflowId);
    await eventually(
      async () => (await stack.rows()).filter((r) => r.cycle_key.startsWith(started.workflowId)).length,
      (n) => n >= 3,
      30_000,
      'first rows',
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(20_000);
    workflowUrl = `${server.uiUrl}/namespaces/default/workflows/${started.workflowId}`;
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await handle?.terminate('web UI test done').catch(() => undefined);
    await stack?.stop();
    await env?.teardown();
    await server?.stop();
  });

  /** The UI renders each markdown field (summary, details, current details) in its own iframe, by content. */
  const markdown = (fragment: string): FrameLocator =>
    page.frameLocator(`iframe[src*="${encodeURIComponent(fragment)}"]`);
  /** The Current Details panel: the markdown the workflow passes to setCurrentDetails every cycle. */
  const currentDetails = (): FrameLocator => markdown('IBKR Greeks bridge');

  const openTab = async (tab: 'User Metadata' | 'Search Attributes') => {
    await page.getByText(tab, { exact: true }).click();
    if (tab === 'User Metadata') await page.getByText('Current Details', { exact: true }).waitFor();
  };

  /** The Current Details heading after a reload (the UI reads current details through a query, once per load). */
  const reloadedHeading = async (): Promise<string> => {
    await page.reload();
    await page.getByText('Current Details', { exact: true }).waitFor();
    return currentDetails().locator('h3').innerText({ timeout: 10_000 });
  };

  /** The Search Attributes tab of a freshly loaded workflow page (the UI reads them from the server). */
  const searchAttributesText = async (): Promise<string> => {
    await page.goto(workflowUrl);
    await openTab('Search Attributes');
    await page.getByText('"BridgeState"').first().waitFor();
    return page.locator('main').innerText();
  };

  /** More Actions → Send a Signal, as an operator does it. */
  const sendSignal = async (name: 'pause' | 'resume', input?: string) => {
    await page.getByRole('button', { name: 'More Actions' }).click();
    await page.getByRole('menuitem', { name: 'Send a Signal' }).click();
    const dialog = page.locator('dialog[open]').filter({ hasText: 'Signal name' });
    await dialog.getByTestId('signal-select-button').click();
    await dialog.getByRole('option', { name, exact: true }).click();
    if (input !== undefined) {
      await dialog.locator('.cm-content[contenteditable="true"]').click(); // the CodeMirror JSON editor
      await page.keyboard.insertText(JSON.stringify(input));
    }
    await dialog.getByTestId('confirm-modal-button').click();
    await dialog.waitFor({ state: 'hidden' });
  };

  it('shows the running workflow, its current details and its search attributes', async () => {
    await page.goto(workflowUrl);
    await page.getByText('Running', { exact: true }).first().waitFor();
    await page.getByText(handle.workflowId, { exact: true }).first().waitFor();

    await openTab('User Metadata');
    // The static summary the start call sets, and the details the workflow rewrites every cycle.
    const summary = await markdown(`Postgres for ${MAIN_ACCOUNT}`).locator('body').innerText();
    expect(summary.trim()).toBe(`IBKR Greeks → Postgres for ${MAIN_ACCOUNT} (SOCKET)`);
    const details = currentDetails();
    expect(await details.locator('h3').innerText()).toBe(`IBKR Greeks bridge — ${MAIN_ACCOUNT}: READY`);
    const headers = await details.locator('table th').allInnerTexts();
    const values = await details.locator('table tbody tr').first().locator('td').allInnerTexts();
    const shown = Object.fromEntries(headers.map((header, i) => [header.trim(), values[i]?.trim()]));
    expect(Object.keys(shown)).toEqual(['net Δ', 'Γ', 'vega', 'θ/day', 'coverage', 'options']);
    const status = await handle.query(statusQuery);
    expect(shown.options).toBe(String(status.lastCycle?.optionCount));
    expect(shown.coverage).toMatch(/^\d+\.\d %$/);
    expect(Number(shown['net Δ'].replace(/,/g, ''))).not.toBeNaN();
    expect(await details.locator('body').innerText()).toContain('every 1000 ms');
    await page.screenshot({ path: artifactPath('webui-current-details.png'), fullPage: false });

    const text = await searchAttributesText();
    expect(text).toMatch(/"BridgeState": "ready"/);
    expect(text).toMatch(/"BridgeBufferedRows": 0/);
    expect(text).toMatch(/"BridgeLastOkAt": "\d{4}-\d\d-\d\dT/);
    await page.screenshot({ path: artifactPath('webui-search-attributes.png'), fullPage: false });
  }, 60_000);

  it('pauses and resumes the bridge with Send a Signal', async () => {
    await page.goto(workflowUrl);
    await openTab('User Metadata');

    await sendSignal('pause', 'paused from the Web UI');
    const paused = await eventually(
      () => handle.query(statusQuery),
      (s) => s.paused,
      15_000,
      'paused state',
    );
    expect(paused.pauseReason).toBe('paused from the Web UI');
    // The page shows it too, once reloaded.
    await eventually(
      () => reloadedHeading().catch(() => ''), // a slow page load is retried, not a failure
      (heading) => heading.endsWith(': PAUSED'),
      30_000,
      'PAUSED in the current details',
    );
    expect(await currentDetails().locator('body').innerText()).toContain('Paused: paused from the Web UI');
    await page.screenshot({ path: artifactPath('webui-paused.png'), fullPage: false });
    // Search attributes live on the server: filterable (BridgeState = "paused") and shown even with no worker.
    await eventually(
      () => searchAttributesText().catch(() => ''), // a slow page load is retried, not a failure
      (text) => text.includes('"BridgeState": "paused"'),
      40_000,
      'BridgeState paused in the search attributes',
    );

    await sendSignal('resume');
    const resumed = await eventually(
      () => handle.query(statusQuery),
      (s) => !s.paused && s.state === 'ready',
      15_000,
      'resumed state',
    );
    expect(resumed.pauseReason).toBeNull();
  }, 75_000);
});
