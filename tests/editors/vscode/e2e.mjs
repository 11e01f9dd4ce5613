// Drives a real VS Code (code-server's workbench) in headless Debian Chromium with playwright-core,
// the way a user would: open a file, see the ssot-ls diagnostic, apply the quick fix with
// Ctrl+. Enter, save, save a second file with fix-on-save, run "SSOT: Fix all in workspace",
// "SSOT: Restart server" and "SSOT: Show logs" from the command palette; or, without a server,
// see the one error message. Adapted from the shared vscode-e2e recipe.
//
// env: TOOLS     folder whose node_modules has playwright-core
//      URL       code-server URL with ?folder=<workspace>
//      SPEC      JSON written by tests/editors/test_vscode.py: the steps to run, files, expected texts
//      ARTIFACTS folder for screenshots (diagnostic, quick-fix menu, failures) and results.json
// Every step is recorded in ARTIFACTS/results.json; the pytest side asserts on it and on disk.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(path.join(process.env.TOOLS, 'package.json'));
const { chromium } = require('playwright-core');

const spec = JSON.parse(fs.readFileSync(process.env.SPEC, 'utf8'));
const ARTIFACTS = process.env.ARTIFACTS;
const WAIT_MS = spec.timeoutMs;
const startedAt = Date.now();
const results = { steps: {} };

function log(...parts) {
  console.log(`[${((Date.now() - startedAt) / 1000).toFixed(1)}s]`, ...parts);
}

function saveResults() {
  fs.writeFileSync(path.join(ARTIFACTS, 'results.json'), JSON.stringify(results, null, 2));
}

/** Runs one step and records its outcome; a step whose prerequisites failed is skipped. */
async function runStep(name) {
  const { needs, run } = STEPS[name];
  const missing = needs.filter((need) => results.steps[need] !== 'ok');
  if (missing.length > 0) {
    results.steps[name] = `skipped: needs ${missing.join(', ')}`;
    saveResults();
    return;
  }
  log(`step ${name}`);
  try {
    await run();
    results.steps[name] = 'ok';
    log(`step ${name}: ok`);
  } catch (error) {
    results.steps[name] = String(error?.stack ?? error);
    log(`step ${name}: FAILED ${error?.message ?? error}`);
    await page.screenshot({ path: path.join(ARTIFACTS, `failure-${name}.png`) }).catch(() => {});
  } finally {
    saveResults();
  }
}

/** The active editor's text; its DOM renders spaces as U+00A0. */
function editorText() {
  return page.locator(`${activeEditor} .view-lines`).first().innerText()
    .then((text) => text.replace(/\u00a0/g, ' '));
}

async function waitForFileOnDisk(relativePath, mustContain, mustNotContain) {
  const file = path.join(spec.workspace, relativePath);
  const deadline = Date.now() + WAIT_MS;
  let text = '';
  while (Date.now() < deadline) {
    text = fs.readFileSync(file, 'utf8');
    if (text.includes(mustContain) && !(mustNotContain && text.includes(mustNotContain))) {
      return text;
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`${relativePath} on disk never got ${JSON.stringify(mustContain)}; it is:\n${text}`);
}

async function openFile(relativePath) {
  // Quick Open finds files in nested folders without expanding the explorer.
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: WAIT_MS });
  await input.fill(relativePath);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(relativePath) }).first();
  await row.waitFor({ timeout: WAIT_MS });
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: path.basename(relativePath) }).waitFor({ timeout: WAIT_MS });
  await page.locator(`${activeEditor} .view-lines`).first().waitFor({ timeout: WAIT_MS });
}

const activeEditor = '.editor-group-container.active .monaco-editor';
const squiggle = `${activeEditor} [class*="squiggly-"]`;

async function runCommandFromPalette(title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: WAIT_MS });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: WAIT_MS });
  await page.keyboard.press('Enter');
}

const STEPS = {
  open: {
    needs: [],
    run: async () => {
      await page.goto(process.env.URL);
      await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
      await openFile(spec.openFile);
    },
  },

  diagnostic: {
    needs: ['open'],
    run: async () => {
      await page.locator(squiggle).first().waitFor({ timeout: WAIT_MS });
      await page.keyboard.press('Control+Shift+M');
      await page.locator('.markers-panel .monaco-list-row', { hasText: spec.diagnosticCode }).first()
        .waitFor({ timeout: WAIT_MS });
      results.problems = [];
      for (const problem of await page.locator('.markers-panel .monaco-list-row').all()) {
        results.problems.push((await problem.innerText()).replace(/\s+/g, ' ').trim());
      }
      // Hover the squiggle so the screenshot shows the message next to the code.
      await page.locator(squiggle).first().hover({ force: true });
      await page.locator('.monaco-hover-content', { hasText: spec.diagnosticCode }).first()
        .waitFor({ timeout: WAIT_MS }).catch(() => log('no hover appeared; screenshot without it'));
      await page.screenshot({ path: path.join(ARTIFACTS, 'screenshot-diagnostic.png') });
      await page.mouse.move(5, 5);
    },
  },

  quickfix: {
    needs: ['diagnostic'],
    run: async () => {
      await page.locator(squiggle).first().click({ force: true });
      await page.keyboard.press('Control+.');
      const rows = page.locator('.action-widget .monaco-list-row');
      await rows.first().waitFor({ timeout: WAIT_MS });
      results.quickFixMenu = [];
      for (const row of await rows.all()) {
        results.quickFixMenu.push((await row.innerText()).replace(/\s+/g, ' ').trim());
      }
      await page.screenshot({ path: path.join(ARTIFACTS, 'screenshot-quick-fix.png') });
      // The menu item is covered by an overlay: Enter applies the focused (preferred) action.
      await page.keyboard.press('Enter');
      await page.waitForFunction(
        ([selector, expected]) => document.querySelector(`${selector} .view-lines`)
          ?.innerText.replace(/\u00a0/g, ' ').includes(expected),
        [activeEditor, spec.quickFix.expect], { timeout: WAIT_MS },
      );
      results.quickFixEditorText = await editorText();
    },
  },

  save: {
    needs: ['quickfix'],
    run: async () => {
      await page.keyboard.press('Control+S');
      await waitForFileOnDisk(spec.quickFix.file, spec.quickFix.expect, spec.quickFix.absent);
    },
  },

  fixOnSave: {
    needs: ['open'],
    run: async () => {
      await openFile(spec.fixOnSave.file);
      await page.locator(squiggle).first().waitFor({ timeout: WAIT_MS });
      await page.keyboard.press('Control+S');
      await waitForFileOnDisk(spec.fixOnSave.file, spec.fixOnSave.expect, spec.fixOnSave.absent);
    },
  },

  fixWorkspace: {
    needs: ['open'],
    run: async () => {
      await runCommandFromPalette(spec.fixAllCommandTitle);
      for (const target of spec.unopened) {
        await waitForFileOnDisk(target.file, target.expect, target.absent);
      }
      await page.screenshot({ path: path.join(ARTIFACTS, 'screenshot-fix-workspace.png') });
    },
  },

  restart: {
    needs: ['open'],
    run: async () => {
      await runCommandFromPalette('SSOT: Restart server');
      // The restarted server answers again: the Problems panel fills for a file we break anew.
      fs.writeFileSync(path.join(spec.workspace, spec.restart.file), spec.restart.text);
      await page.keyboard.press('Control+Shift+M');
      await page.locator('.markers-panel .monaco-list-row', { hasText: path.basename(spec.restart.file) }).first()
        .waitFor({ timeout: WAIT_MS });
    },
  },

  showLogs: {
    needs: ['open'],
    run: async () => {
      await runCommandFromPalette('SSOT: Show logs');
      const output = page.locator('.output-view .view-lines', { hasText: spec.showLogs.expect });
      await output.first().waitFor({ timeout: WAIT_MS });
      results.logsShown = (await output.first().innerText()).replace(/\u00a0/g, ' ');
    },
  },

  serverMissing: {
    needs: ['open'],
    run: async () => {
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: spec.serverMissing.message });
      await toast.first().waitFor({ timeout: WAIT_MS });
      results.notifications = [];
      for (const notification of await page.locator('.notifications-toasts .notification-toast').all()) {
        results.notifications.push((await notification.innerText()).replace(/\s+/g, ' ').trim());
      }
      const status = page.locator('.statusbar-item', { hasText: 'ssot-ls' });
      await status.first().waitFor({ timeout: WAIT_MS });
      results.statusItem = (await status.first().getAttribute('aria-label')) ?? (await status.first().innerText());
      await page.screenshot({ path: path.join(ARTIFACTS, 'screenshot-server-missing.png') });
    },
  },
};

const profile = path.join(ARTIFACTS, 'chrome-profile');
fs.rmSync(profile, { recursive: true, force: true });
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: spec.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: { width: 1400, height: 900 },
});
const page = browser.pages()[0] ?? await browser.newPage();
page.on('pageerror', (error) => log('page error:', error.message));

try {
  for (const name of spec.steps) {
    await runStep(name);
  }
} finally {
  saveResults();
  await browser.close();
}

const failed = Object.values(results.steps).filter((outcome) => outcome !== 'ok').length;
log(`${Object.keys(results.steps).length - failed} steps ok, ${failed} not ok`);
process.exit(failed === 0 ? 0 : 1);
