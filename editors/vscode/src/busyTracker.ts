// Counts what the server is working on (starting, a workspace fix, a progress report) so the
// status bar shows one item while anything runs. Pure: the status bar subscribes to it.

export interface BusyState {
  busy: boolean;
  /** The most recent message of the work still running, e.g. "Fixing 3/120 files". */
  message: string;
}

type Listener = (state: BusyState) => void;

export class BusyTracker {
  private readonly running = new Map<number, string>();
  private nextId = 0;
  private readonly listeners: Listener[] = [];

  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }

  get state(): BusyState {
    const messages = [...this.running.values()];
    return { busy: messages.length > 0, message: messages.at(-1) ?? '' };
  }

  /** Starts a piece of work; the returned handle updates its message and ends it (once). */
  begin(message: string): WorkHandle {
    const id = this.nextId++;
    this.running.set(id, message);
    this.notify();
    return {
      report: (update: string) => {
        if (this.running.has(id)) {
          this.running.set(id, update);
          this.notify();
        }
      },
      end: () => {
        if (this.running.delete(id)) {
          this.notify();
        }
      },
    };
  }

  /** Runs `work` as one piece of work, ending it however `work` settles. */
  async track<T>(message: string, work: (handle: WorkHandle) => Promise<T>): Promise<T> {
    const handle = this.begin(message);
    try {
      return await work(handle);
    } finally {
      handle.end();
    }
  }

  private notify(): void {
    const state = this.state;
    for (const listener of this.listeners) {
      listener(state);
    }
  }
}

export interface WorkHandle {
  report(message: string): void;
  end(): void;
}

/** The text for a `$/progress` report: "title: message (42%)", leaving out what is missing. */
export function progressText(title: string, message?: string, percentage?: number): string {
  let text = message ? `${title}: ${message}` : title;
  if (percentage !== undefined) {
    text += ` (${Math.round(percentage)}%)`;
  }
  return text;
}
