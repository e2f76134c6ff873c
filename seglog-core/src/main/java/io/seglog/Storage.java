package io.seglog;

import io.seglog.internal.io.FileIO;
import io.seglog.internal.io.MemoryFileIO;
import io.seglog.internal.io.NioFileIO;

/**
 * Where a log keeps its files: the real file system, or memory. Pass one to {@link Log#open(
 * java.nio.file.Path, LogConfig, Storage)}; {@link Log#open(java.nio.file.Path, LogConfig)} uses
 * {@link #fileSystem()}. Immutable and thread-safe.
 *
 * <p>{@link #inMemory()} is for unit tests of code built on seglog: it runs the same engine
 * (framing, checksums, segments and rolls, index files, recovery, locking, read-only opens) over a
 * map of paths to byte arrays instead of the disk, so a log there behaves as one on disk does, but
 * nothing is written to disk, and a test needs no temporary directory.
 */
public final class Storage {
  private static final Storage FILE_SYSTEM = new Storage(null);

  private final MemoryFileIO memory; // null for the file system

  private Storage(MemoryFileIO memory) {
    this.memory = memory;
  }

  /**
   * The real file system, through {@code FileChannel}. Files and directories are created with the
   * {@link LogConfig#filePermissions() permissions} of the configuration the log is opened with.
   */
  public static Storage fileSystem() {
    return FILE_SYSTEM;
  }

  /**
   * A new, empty storage in memory. Paths are only names in it (nothing is read from or written to
   * the real disk, and the path need not exist there); logs opened on the same instance with the
   * same path see the same files, so closing and reopening a log, or opening it read-only beside
   * the writer, works as on disk, and a second writable open of a path that is open fails with
   * {@link LogLockedException}. Fsyncs do nothing: everything written is as durable as this object,
   * whose contents live until it is garbage collected. Each in-memory file holds at most 2 GiB, so
   * keep {@link LogConfig#segmentBytes()} below that. Permissions are not modelled.
   */
  public static Storage inMemory() {
    return new Storage(new MemoryFileIO());
  }

  /** Whether this is an in-memory storage. */
  public boolean isInMemory() {
    return memory != null;
  }

  /** The I/O seam a log opened with {@code config} uses. */
  FileIO fileIO(LogConfig config) {
    return memory != null
        ? memory
        : NioFileIO.withPermissions(config.filePermissions(), config.directoryPermissions());
  }

  @Override
  public String toString() {
    return memory != null
        ? "Storage.inMemory@" + Integer.toHexString(hashCode())
        : "Storage.fileSystem";
  }
}
