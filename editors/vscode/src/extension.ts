// Entry point: wires the commands, the status bar and settings changes to the ServerController.
import * as vscode from 'vscode';
import { BusyTracker } from './busyTracker';
import { onPythonInterpreterChange } from './machine';
import { ServerController } from './server';
import { RESTART_KEYS, SECTION } from './settings';
import { StatusItem } from './statusItem';

let controller: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  // A log channel: vscode-languageclient 10+ calls .error()/.info() on it.
  const output = vscode.window.createOutputChannel('ssot-ls', { log: true });
  const busy = new BusyTracker();
  const status = new StatusItem(busy);
  const server = new ServerController(output, busy, (message) => {
    status.showFailure(message);
    void showFailure(message, output);
  });
  controller = server;
  context.subscriptions.push(output, status, server);

  context.subscriptions.push(
    vscode.commands.registerCommand('ssot-ls.fixAllInWorkspace', () => fixAllInWorkspace(server, output)),
    vscode.commands.registerCommand('ssot-ls.restartServer', async () => {
      status.clearFailure();
      await server.restart();
    }),
    vscode.commands.registerCommand('ssot-ls.showLogs', () => output.show()),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (RESTART_KEYS.some((key) => event.affectsConfiguration(`${SECTION}.${key}`))) {
        status.clearFailure();
        await server.restart();
      } else if (event.affectsConfiguration(SECTION)) {
        await server.notifySettingsChanged();
      }
    }),
  );
  const pythonListener = await onPythonInterpreterChange(() => {
    // Only matters when the server came from the selected interpreter, but a restart is cheap.
    void server.restart();
  });
  if (pythonListener !== undefined) {
    context.subscriptions.push(pythonListener);
  }

  await server.start();
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}

async function showFailure(message: string, output: vscode.LogOutputChannel): Promise<void> {
  const choice = await vscode.window.showErrorMessage(message, 'Open Settings', 'Show Logs');
  if (choice === 'Open Settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', SECTION);
  } else if (choice === 'Show Logs') {
    output.show();
  }
}

/** Runs the server's workspace fix-all; failures become one error message. */
async function fixAllInWorkspace(server: ServerController, output: vscode.LogOutputChannel): Promise<void> {
  try {
    const summary = await server.fixWorkspace();
    output.info(`Fix all in workspace: ${JSON.stringify(summary ?? null)}`);
  } catch (error) {
    const message = `ssot-ls: fixing the workspace failed: ${error instanceof Error ? error.message : String(error)}`;
    output.error(message);
    void vscode.window.showErrorMessage(message);
  }
}
