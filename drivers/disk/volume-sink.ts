import type { DiskChunk } from './disk-source';

/**
 * A volume on a storage array that a copied disk is written to, through the array's data path
 * (a volume REST API, or an iSCSI session from the worker). The volume is an array LUN of its
 * own that nobody sees until it is masked; it is deleted like a snapshot clone.
 */
export interface VolumeSink {
  /** Fast, synchronous check of the configuration; throws ValidationError naming the field. */
  validate(): void;
  /**
   * Creates the volume with `sizeBytes` when missing; an existing one of that size is kept (a
   * retried copy resumes into it).
   */
  create(sizeBytes: number): Promise<{ readonly created: boolean }>;
  /**
   * Writes the chunk at `offset`; the array checks the chunk's SHA-256 (from the source) before it
   * stores the bytes.
   */
  write(offset: number, chunk: DiskChunk, signal?: AbortSignal): Promise<void>;
  /** Size and SHA-256 (hex) of the whole volume, computed by the array. */
  sha256(signal?: AbortSignal): Promise<{ readonly sizeBytes: number; readonly sha256: string }>;
}
