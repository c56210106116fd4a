/** Bytes of a disk and the SHA-256 (hex) the helper computed over them where it read them. */
export interface DiskChunk {
  readonly data: Buffer;
  readonly sha256: string;
}

/**
 * A physical machine's local disk, as served by a P2V helper: a small image the machine boots
 * instead of its OS (its disk is then quiescent) that answers reads by offset. Copy-mode P2V
 * streams it to a VolumeSink. Implementations translate transport failures into the errors of
 * ./disk-errors. Each chunk carries the helper's checksum to the array, which verifies it: one
 * end-to-end check covers the helper's link, the worker and the array's link.
 */
export interface DiskSource {
  /** Fast, synchronous check of the configuration; throws ValidationError naming the field. */
  validate(): void;
  /** Boots the helper on the machine, which must be off. Already when the helper runs. */
  startHelper(): Promise<{ readonly already: boolean }>;
  /** Stops the helper; the machine is off afterwards. Already when no helper runs. */
  stopHelper(): Promise<{ readonly already: boolean }>;
  /** The disk's size in bytes. */
  size(): Promise<number>;
  /** `length` bytes from `offset`, with the helper's SHA-256 of them. */
  read(offset: number, length: number, signal?: AbortSignal): Promise<DiskChunk>;
  /** SHA-256 (hex) of the whole disk, computed by the helper next to the disk. */
  sha256(signal?: AbortSignal): Promise<string>;
}
