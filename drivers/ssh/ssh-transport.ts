/**
 * The structural surface of an SSH connection that switch, array and fabric drivers use.
 * The ssh2 implementation lives beside this file; tests pass fakes that record commands.
 */
export interface SshTarget {
  /** For error messages and serialization keys: the topology id (switch or array id). */
  readonly deviceId: string;
  readonly host: string;
  readonly port: number;
  /** OpenSSH SHA256 fingerprint the server's host key must match, or the connection is refused. */
  readonly hostKeyFingerprint: string;
  /** The topology credential name; resolved by the transport at connect time. */
  readonly credential: string;
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

export interface ExecOptions {
  /** Written to the command's stdin, then stdin is closed (answers to y/n prompts). */
  readonly stdin?: string;
  readonly timeoutMs?: number;
}

/** An interactive CLI (switch shells): send a line, read until the prompt pattern. */
export interface InteractiveShell {
  /** Sends `line` + newline and resolves with what the device printed before the next prompt. */
  send(line: string, options?: { timeoutMs?: number; prompt?: RegExp }): Promise<string>;
  /**
   * Sends the credential's enable secret as a line, like `send` (the secret never leaves the
   * transport and is not echoed). Throws CredentialError when the credential has none.
   */
  sendEnableSecret(options?: { timeoutMs?: number; prompt?: RegExp }): Promise<string>;
  /** The prompt text that ended the last answer (`sw>`, `sw#`, `Password:`). */
  readonly lastPrompt: string;
  close(): Promise<void>;
}

export interface SshSession {
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Opens a PTY shell and waits for the first prompt matching `prompt`. */
  shell(prompt: RegExp, options?: { timeoutMs?: number }): Promise<InteractiveShell>;
  close(): Promise<void>;
}

export interface SshConnector {
  connect(target: SshTarget): Promise<SshSession>;
}
