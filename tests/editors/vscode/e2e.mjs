// Drives a real VS Code (code-server's workbench) in headless Debian Chromium with playwright-core,
// the way a user would: open a file, see the ssot-ls diagnostic, apply the quick fix with
// Ctrl+. Enter, save, save a second file with fix-on-save, and run "SSOT: Fix all in workspace"
// from the command palette. Adapted from the shared vscode-e2e recipe.
//
// env: TOOLS    folder whose node_modules has playwright-core
//      URL      code-server URL with ?folder=<workspace>
//      SPEC     JSON file written by tests/editors/test_vscode.py (files and expected texts)
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
const results = { steps: {}, problems: [], quickFixMenu: [] };

function log(...parts) {
  console.log(`[${((Date.now() - startedAt) / 1000).toFixed(1)}s]`, ...parts);
}

function saveResults() {
  fs.writeFileSync(path.join(ARTIFACTS, 'results.json'), JSON.stringify(results, null, 2));
}

/** Runs one named step; later steps still run after a failure only if they do not depend on it. */
async function step(name, body) {
  log(`step ${name}`);
  try {
    await body();
    results.steps[name] = 'ok';
    log(`step ${name}: ok`);
    return true;
  } catch (error) {
    results.steps[name] = String(error?.stack ?? error);
    log(`step ${name}: FAILED ${error?.message ?? error}`);
    await page.screenshot({ path: path.join(ARTIFACTS, `failure-${name}.png`) }).catch(() => {});
    return false;
  } finally {
    saveResults();
  }
}

/** The editor DOM renders spaces as U+00A0. */
function editorText() {
  return page.locator('.editor-group-container.active .monaco-editor .view-lines').first().innerText()
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
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().waitFor({ timeout: WAIT_MS });
}

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
  await step('open', async () => {
    await page.goto(process.env.URL);
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
    await openFile(spec.quickFix.file);
  });

  const diagnosticShown = await step('diagnostic', async () => {
    await page.locator('.editor-group-container.active .monaco-editor [class*="squiggly-"]').first()
      .waitFor({ timeout: WAIT_MS });
    await page.keyboard.press('Control+Shift+M');
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: spec.diagnosticCode }).first();
    await row.waitFor({ timeout: WAIT_MS });
    for (const problem of await page.locator('.markers-panel .monaco-list-row').all()) {
      results.problems.push((await problem.innerText()).replace(/\s+/g, ' ').trim());
    }
    // Hover the squiggle so the screenshot shows the message next to the code.
    await page.locator('.editor-group-container.active .monaco-editor [class*="squiggly-"]').first().hover({ force: true });
    await page.locator('.monaco-hover-content', { hasText: spec.diagnosticCode }).first()
      .waitFor({ timeout: WAIT_MS }).catch(() => log('no hover appeared; screenshot without it'));
    await page.screenshot({ path: path.join(ARTIFACTS, 'screenshot-diagnostic.png') });
    await page.mouse.move(5, 5);
  });

  const quickFixApplied = diagnosticShown && await step('quickfix', async () => {
    await page.locator('.editor-group-container.active .monaco-editor [class*="squiggly-"]').first().click({ force: true });
    await page.keyboard.press('Control+.');
    const rows = page.locator('.action-widget .monaco-list-row');
    await rows.first().waitFor({ timeout: WAIT_MS });
    for (const row of await rows.all()) {
      results.quickFixMenu.push((await row.innerText()).replace(/\s+/g, ' ').trim());
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'screenshot-quick-fix.png') });
    // The menu item is covered by an overlay: Enter applies the focused (preferred) action.
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      (expected) => document.querySelector('.editor-group-container.active .monaco-editor .view-lines')
        ?.innerText.replace(/\u00a0/g, ' ').includes(expected),
      spec.quickFix.expect, { timeout: WAIT_MS },
    );
    results.quickFixEditorText = await editorText();
  });

  if (quickFixApplied) {
    await step('save', async () => {
      await page.keyboard.press('Control+S');
      results.quickFixDisk = await waitForFileOnDisk(spec.quickFix.file, spec.quickFix.expect, spec.quickFix.absent);
    });
  }

  await step('fixOnSave', async () => {
    await openFile(spec.fixOnSave.file);
    await page.locator('.editor-group-container.active .monaco-editor [class*="squiggly-"]').first()
      .waitFor({ timeout: WAIT_MS });
    await page.keyboard.press('Control+S');
    results.fixOnSaveDisk = await waitForFileOnDisk(spec.fixOnSave.file, spec.fixOnSave.expect, spec.fixOnSave.absent);
  });

  await step('fixWorkspace', async () => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: WAIT_MS });
    await input.fill(`>${spec.fixAllCommandTitle}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: spec.fixAllCommandTitle }).first()
      .waitFor({ timeout: WAIT_MS });
    await page.keyboard.press('Enter');
    results.unopenedDisk = {};
    for (const target of spec.unopened) {
      results.unopenedDisk[target.file] = await waitForFileOnDisk(target.file, target.expect, target.absent);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'screenshot-fix-workspace.png') });
  });
} finally {
  saveResults();
  await browser.close();
}

const failed = Object.values(results.steps).filter((outcome) => outcome !== 'ok').length;
log(`${Object.keys(results.steps).length - failed} steps ok, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
