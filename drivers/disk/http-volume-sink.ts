import { DiskChecksumError, DiskRequestRefusedError, DiskTransferError } from './disk-errors';
import type { DiskChunk } from './disk-source';
import { CHUNK_SHA256_HEADER, checkBaseUrl, chunkRequest, jsonOf } from './http-chunk-client';
import type { VolumeSink } from './volume-sink';

export interface HttpVolumeSinkOptions {
  /** `<array>/<volume>`, for messages. */
  readonly volume: string;
  /**
   * The volume's URL on the array's data API: `PUT <url> {"sizeBytes"}` creates it,
   * `PUT <url>/data?offset=` writes (SHA-256 in a header), `GET <url>` answers size and SHA-256.
   */
  readonly url: string;
  readonly timeoutMs?: number;
}

/** A volume written over an array's HTTP data API. */
export class HttpVolumeSink implements VolumeSink {
  private readonly endpoint: string;

  constructor(private readonly options: HttpVolumeSinkOptions) {
    this.endpoint = `volume ${options.volume}`;
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

  async create(sizeBytes: number): Promise<{ created: boolean }> {
    const r = await chunkRequest(this.endpoint, this.base, {
      method: 'PUT',
      json: { sizeBytes },
      timeoutMs: this.timeoutMs,
    });
    return jsonOf<{ created: boolean }>(this.endpoint, r);
  }

  async write(offset: number, chunk: DiskChunk, signal?: AbortSignal): Promise<void> {
    try {
      await chunkRequest(this.endpoint, `${this.base}/data?offset=${offset}`, {
        method: 'PUT',
        body: chunk.data,
        headers: { [CHUNK_SHA256_HEADER]: chunk.sha256 },
        timeoutMs: this.timeoutMs,
        ...(signal && { signal }),
      });
    } catch (e) {
      // 422: the bytes the array received are not those the helper read; reading them again may
      // cure it.
      if (e instanceof DiskRequestRefusedError && e.context.status === 422)
        throw new DiskChecksumError(
          this.endpoint,
          offset,
          chunk.sha256,
          'something else (the array refused the chunk)',
        );
      throw e;
    }
  }

  async sha256(signal?: AbortSignal): Promise<{ sizeBytes: number; sha256: string }> {
    const r = await chunkRequest(this.endpoint, this.base, {
      method: 'GET',
      timeoutMs: this.timeoutMs * 10,
      ...(signal && { signal }),
    });
    const out = jsonOf<{ sizeBytes: number; sha256: string }>(this.endpoint, r);
    if (typeof out.sha256 !== 'string')
      throw new DiskTransferError(this.endpoint, 'answered no sha256');
    return out;
  }
}
