import { DiskTransferError } from './disk-errors';
import type { DiskChunk, DiskSource } from './disk-source';
import { CHUNK_SHA256_HEADER, checkBaseUrl, chunkRequest, jsonOf } from './http-chunk-client';

export interface HttpDiskSourceOptions {
  /** The machine, for messages. */
  readonly machine: string;
  /**
   * Where the helper answers: `POST <url>/p2v-helper {"running": bool}`, `GET <url>/disk`
   * (size), `GET <url>/disk/data?offset=&length=` (bytes, SHA-256 in a header) and
   * `GET <url>/disk/sha256`.
   */
  readonly url: string;
  readonly timeoutMs?: number;
}

/** A P2V helper reached over HTTP. */
export class HttpDiskSource implements DiskSource {
  private readonly endpoint: string;

  constructor(private readonly options: HttpDiskSourceOptions) {
    this.endpoint = `disk of ${options.machine}`;
  }

  private get base(): string {
    return checkBaseUrl(this.endpoint, this.options.url);
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 60_000;
  }

  validate(): void {
    checkBaseUrl(this.endpoint, this.options.url);
  }

  private async helper(running: boolean): Promise<{ already: boolean }> {
    const r = await chunkRequest(this.endpoint, `${this.base}/p2v-helper`, {
      method: 'POST',
      json: { running },
      timeoutMs: this.timeoutMs,
    });
    return jsonOf<{ already: boolean }>(this.endpoint, r);
  }

  startHelper(): Promise<{ already: boolean }> {
    return this.helper(true);
  }

  stopHelper(): Promise<{ already: boolean }> {
    return this.helper(false);
  }

  async size(): Promise<number> {
    const r = await chunkRequest(this.endpoint, `${this.base}/disk`, {
      method: 'GET',
      timeoutMs: this.timeoutMs,
    });
    const { sizeBytes } = jsonOf<{ sizeBytes: number }>(this.endpoint, r);
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0)
      throw new DiskTransferError(
        this.endpoint,
        `reported an impossible size ${String(sizeBytes)}`,
      );
    return sizeBytes;
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<DiskChunk> {
    const r = await chunkRequest(
      this.endpoint,
      `${this.base}/disk/data?offset=${offset}&length=${length}`,
      { method: 'GET', timeoutMs: this.timeoutMs, ...(signal && { signal }) },
    );
    if (r.body.length !== length)
      throw new DiskTransferError(
        this.endpoint,
        `chunk at byte ${offset}: got ${r.body.length} of ${length} bytes`,
      );
    const sha256 = r.headers.get(CHUNK_SHA256_HEADER);
    if (sha256 === null || !/^[0-9a-f]{64}$/.test(sha256))
      throw new DiskTransferError(
        this.endpoint,
        `chunk at byte ${offset} came without its SHA-256`,
      );
    return { data: r.body, sha256 };
  }

  async sha256(signal?: AbortSignal): Promise<string> {
    const r = await chunkRequest(this.endpoint, `${this.base}/disk/sha256`, {
      method: 'GET',
      timeoutMs: this.timeoutMs * 10,
      ...(signal && { signal }),
    });
    return jsonOf<{ sha256: string }>(this.endpoint, r).sha256;
  }
}
