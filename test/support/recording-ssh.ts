import type {
  ExecOptions,
  ExecResult,
  InteractiveShell,
  SshConnector,
  SshSession,
  SshTarget,
} from '../../drivers/ssh/ssh-transport';

export interface RecordingScript {
  /** Answers per command, consumed in order; the last one repeats. Unlisted commands answer ''. */
  readonly answers?: Readonly<Record<string, readonly string[]>>;
  /** Exit status per exec command (default 0). */
  readonly exitCodes?: Readonly<Record<string, number>>;
  /** The prompt a shell login lands at (default `sw#`, privileged). */
  readonly loginPrompt?: string;
  /**
   * The prompt that follows a line (`enable` → `Password:`); ENABLE_SECRET_LINE stands for the
   * secret.
   */
  readonly prompts?: Readonly<Record<string, string>>;
}

/**
 * How the recorder writes the enable secret in `lines`: the secret itself is never seen by a test.
 */
export const ENABLE_SECRET_LINE = '<enable secret>';

/**
 * A fake SSH connector for vendor tests: records every connect and every line in order
 * (shell lines and exec commands alike) and answers from a script.
 */
export class RecordingConnector implements SshConnector {
  readonly lines: string[] = [];
  connects = 0;
  private readonly used = new Map<string, number>();

  constructor(private readonly script: RecordingScript = {}) {}

  answer(line: string): string {
    const list = this.script.answers?.[line];
    if (list === undefined || list.length === 0) return '';
    const n = this.used.get(line) ?? 0;
    this.used.set(line, n + 1);
    return list[Math.min(n, list.length - 1)] as string;
  }

  async connect(_target: SshTarget): Promise<SshSession> {
    this.connects += 1;
    const prompts = this.script.prompts ?? {};
    const shell: InteractiveShell & { lastPrompt: string } = {
      lastPrompt: this.script.loginPrompt ?? 'sw#',
      send: async (line) => {
        this.lines.push(line);
        shell.lastPrompt = prompts[line] ?? shell.lastPrompt;
        return this.answer(line);
      },
      sendEnableSecret: async () => {
        this.lines.push(ENABLE_SECRET_LINE);
        shell.lastPrompt = prompts[ENABLE_SECRET_LINE] ?? shell.lastPrompt;
        return this.answer(ENABLE_SECRET_LINE);
      },
      close: async () => undefined,
    };
    return {
      exec: async (command: string, _options?: ExecOptions): Promise<ExecResult> => {
        this.lines.push(command);
        const code = this.script.exitCodes?.[command] ?? 0;
        return code === 0
          ? { stdout: this.answer(command), stderr: '', code }
          : { stdout: '', stderr: this.answer(command), code };
      },
      shell: async () => shell,
      close: async () => undefined,
    };
  }
}
