// The status-bar item: a spinner while the server works, an error mark when it could not start.
import * as vscode from 'vscode';
import { BusyTracker } from './busyTracker';

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('ssot-ls.status', vscode.StatusBarAlignment.Left, 0);
  private failure: string | undefined;

  constructor(private readonly busy: BusyTracker) {
    this.item.name = 'ssot-ls';
    this.item.command = 'ssot-ls.showLogs';
    busy.onChange(() => this.render());
    this.render();
  }

  showFailure(message: string): void {
    this.failure = message;
    this.render();
  }

  clearFailure(): void {
    this.failure = undefined;
    this.render();
  }

  dispose(): void {
    this.item.dispose();
  }

  private render(): void {
    const state = this.busy.state;
    if (state.busy) {
      this.item.text = '$(sync~spin) ssot-ls';
      this.item.tooltip = state.message;
      this.item.backgroundColor = undefined;
      this.item.show();
    } else if (this.failure !== undefined) {
      this.item.text = '$(error) ssot-ls';
      this.item.tooltip = `${this.failure}\n\nClick to show the logs.`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      this.item.show();
    } else {
      this.item.hide();
    }
  }
}
