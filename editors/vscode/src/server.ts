// Owns the language client: starts it with the resolved server command, restarts and stops it,
// and runs the server's workspace fix-all command.
import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  ApplyWorkspaceEditParams,
  ApplyWorkspaceEditRequest,
  ApplyWorkspaceEditResult,
  CancellationToken,
  ConfigurationParams,
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ProgressToken,
  ResponseError,
  RevealOutputChannelOn,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { BusyTracker, progressText, WorkHandle } from './busyTracker';
import { machineLookup } from './machine';
import { PathVariables, resolveServerCommand, ServerCommand } from './serverCommand';
import { SECTION, serverSettings, ServerSettings } from './settings';
import { documentsToSave, editedDocumentUris } from './workspaceEdit';

export const CLIENT_ID = 'ssot-ls';
const CLIENT_NAME = 'ssot-ls';
/** The server's executeCommand that fixes every file of the workspace. */
export const SERVER_FIX_WORKSPACE_COMMAND = 'ssot-ls.fixWorkspace';

const DOCUMENT_SELECTOR = ['python', 'markdown'].flatMap((language) =>
  ['file', 'untitled'].map((scheme) => ({ language, scheme })),
);

function pathVariables(folder?: vscode.WorkspaceFolder): PathVariables {
  return { home: os.homedir(), workspaceFolder: folder?.uri.fsPath };
}

function firstWorkspaceFolder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.[0];
}

/** The settings for one scope (a folder or file URI; none = window), shaped for the server. */
export function settingsFor(scope?: vscode.Uri): ServerSettings {
  const folder = scope === undefined ? firstWorkspaceFolder() : vscode.workspace.getWorkspaceFolder(scope);
  const configuration = vscode.workspace.getConfiguration(SECTION, scope ?? folder?.uri);
  return serverSettings((key) => configuration.get(key), pathVariables(folder));
}

/**
 * Answers `workspace/configuration` for our section with the same shape as initializationOptions;
 * other sections get VS Code's usual answer.
 */
async function answerConfiguration(
  params: ConfigurationParams,
  answerOthers: () => Promise<unknown>,
): Promise<unknown[]> {
  const others = params.items.some((item) => item.section !== SECTION) ? await answerOthers() : [];
  return params.items.map((item, index) => {
    if (item.section !== SECTION) {
      return Array.isArray(others) ? others[index] ?? null : null;
    }
    return settingsFor(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined);
  });
}

export class ServerController implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<void> | undefined;
  /** While > 0, a workspace fix runs: its edits are saved (see saveAfterApplyEdit). */
  private workspaceFixesRunning = 0;

  constructor(
    private readonly output: vscode.LogOutputChannel,
    private readonly busy: BusyTracker,
    private readonly onFailure: (message: string) => void,
  ) {}

  get isRunning(): boolean {
    return this.client?.state === State.Running;
  }

  /** Starts the server unless it runs or `ssot-ls.enable` is off for the window. */
  async start(): Promise<void> {
    if (this.client !== undefined) {
      return;
    }
    if (!settingsFor().enable) {
      this.output.info('"ssot-ls.enable" is false: the server is not started.');
      return;
    }
    this.starting ??= this.busy.track('Starting ssot-ls', () => this.startClient()).finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    if (client === undefined) {
      return;
    }
    try {
      await client.stop(5000);
    } catch (error) {
      this.output.warn(`Stopping the server: ${String(error)}`);
    }
    await client.dispose().catch(() => undefined);
  }

  async restart(): Promise<void> {
    this.output.info('Restarting the server.');
    await this.stop();
    await this.start();
  }

  /** Tells the server that our settings changed; it pulls the new values per folder. */
  async notifySettingsChanged(): Promise<void> {
    if (this.client === undefined || !this.isRunning) {
      return;
    }
    await this.client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { [SECTION]: settingsFor() },
    });
  }

  /**
   * Runs the server's workspace fix-all and returns its summary. The server sends its edits
   * with `workspace/applyEdit`; the files they change are saved (see saveAfterApplyEdit). Its
   * `$/progress` reaches the status bar through the handleWorkDoneProgress middleware.
   */
  async fixWorkspace(): Promise<unknown> {
    await this.start();
    const client = this.client;
    if (client === undefined || !this.isRunning) {
      throw new Error('the ssot-ls server is not running (see "SSOT: Show logs")');
    }
    return this.asWorkspaceFix(() =>
      client.sendRequest(ExecuteCommandRequest.type, { command: SERVER_FIX_WORKSPACE_COMMAND, arguments: [] }),
    );
  }

  /** Runs `work` as a workspace fix: the status bar shows it and its edits get saved. */
  private async asWorkspaceFix<T>(work: () => Promise<T>): Promise<T> {
    this.workspaceFixesRunning++;
    try {
      return await this.busy.track('ssot-ls: fixing the workspace', work);
    } finally {
      this.workspaceFixesRunning--;
    }
  }

  dispose(): void {
    void this.stop();
  }

  private async startClient(): Promise<void> {
    const folder = firstWorkspaceFolder();
    const launch = vscode.workspace.getConfiguration(SECTION, folder?.uri);
    const resolution = await resolveServerCommand(
      { path: launch.get<string[]>('path') ?? [], interpreter: launch.get<string>('interpreter') ?? '' },
      pathVariables(folder),
      machineLookup(folder?.uri),
    );
    if (!resolution.ok) {
      this.output.error(resolution.message);
      this.onFailure(resolution.message);
      return;
    }
    const client = this.createClient(resolution.server, folder);
    this.client = client;
    try {
      await client.start();
      this.output.info(`Server started: ${describe(resolution.server)}`);
    } catch (error) {
      const message = `ssot-ls: the server (${describe(resolution.server)}) failed to start: ${String(error)}`;
      this.output.error(message);
      this.client = undefined;
      await client.dispose().catch(() => undefined);
      this.onFailure(message);
    }
  }

  private createClient(server: ServerCommand, folder?: vscode.WorkspaceFolder): LanguageClient {
    this.output.info(`Starting the server: ${describe(server)}`);
    const serverOptions: ServerOptions = {
      command: server.command,
      args: server.args,
      // No `transport`: with TransportKind.stdio the client appends `--stdio`, which
      // `ssot-ls server` does not take (stdio is its default).
      options: { cwd: folder?.uri.fsPath, env: { ...process.env, PYTHONUNBUFFERED: '1' } },
    };
    const busy = this.busy;
    const serverProgress = new Map<ProgressToken, { title: string; work: WorkHandle }>();
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      diagnosticCollectionName: CLIENT_ID,
      outputChannel: this.output,
      traceOutputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: settingsFor(),
      middleware: {
        // The server also offers the workspace fix as a source action, which runs its command
        // through the client directly: treat it like our palette command.
        executeCommand: (command, args, next) =>
          command === SERVER_FIX_WORKSPACE_COMMAND
            ? this.asWorkspaceFix(async () => await next(command, args))
            : next(command, args),
        workspace: {
          configuration: (params, token, next) =>
            answerConfiguration(params, async () => await next(params, token)),
          handleApplyEdit: async (params, next) => {
            if (this.workspaceFixesRunning === 0) {
              return next(params, CancellationToken.None);
            }
            return saveAfterApplyEdit(params, next, this.output);
          },
        },
        // Progress the server starts itself (e.g. a workspace scan) also lights the status bar;
        // the client still shows it as a notification.
        handleWorkDoneProgress: (token, params, next) => {
          const running = serverProgress.get(token);
          if (params.kind === 'begin') {
            running?.work.end();
            const text = progressText(params.title, params.message, params.percentage);
            serverProgress.set(token, { title: params.title, work: busy.begin(text) });
          } else if (params.kind === 'report') {
            running?.work.report(progressText(running.title, params.message, params.percentage));
          } else {
            running?.work.end();
            serverProgress.delete(token);
          }
          next(token, params);
        },
      },
    };
    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    client.onDidChangeState((change) => {
      if (change.newState === State.Stopped) {
        for (const { work } of serverProgress.values()) {
          work.end();
        }
        serverProgress.clear();
      }
    });
    return client;
  }
}

/**
 * Applies a workspace fix's edit, then saves the documents it changed that had no unsaved
 * changes before. VS Code applies an LSP edit to files that are not open in memory only and
 * leaves them unsaved (its `files.refactoring.autoSave` does not cover a one-file edit), so
 * without this "Fix all in workspace" would not change the files on disk.
 */
async function saveAfterApplyEdit(
  params: ApplyWorkspaceEditParams,
  next: ApplyWorkspaceEditRequest.HandlerSignature,
  log: vscode.LogOutputChannel,
): Promise<ApplyWorkspaceEditResult | ResponseError<void>> {
  const normalize = (uri: string) => vscode.Uri.parse(uri).toString();
  const dirtyBefore = new Set(
    vscode.workspace.textDocuments.filter((document) => document.isDirty).map((document) => document.uri.toString()),
  );
  const result = await next(params, CancellationToken.None);
  if (result instanceof ResponseError || !result.applied) {
    return result;
  }
  const toSave = documentsToSave(editedDocumentUris(params.edit), dirtyBefore, normalize);
  // The extension host may not have heard of the edit's documents (or their dirty state) yet:
  // openTextDocument gets the model the edit just changed, and save() is decided by the
  // workbench, which knows; so no isDirty check here.
  const saved = await Promise.all(
    toSave.map(async (uri) => (await vscode.workspace.openTextDocument(vscode.Uri.parse(uri))).save()),
  );
  const unsaved = toSave.filter((_uri, index) => !saved[index]);
  if (unsaved.length > 0) {
    log.warn(`Fix all in workspace: left unsaved: ${unsaved.join(', ')}`);
  }
  return result;
}

function describe(server: ServerCommand): string {
  return `${[server.command, ...server.args].join(' ')} (from ${server.source})`;
}
