package io.seglog.internal.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The one narrow seam all of seglog's file I/O goes through, so tests can swap in a fault-injecting
 * or crash-simulating implementation (the SQLite VFS / RocksDB FileSystem idea). Implementations
 * must be thread-safe.
 *
 * <p>Durability is the caller's business: {@link #rename}, {@link #delete} and file creation are
 * not durable until {@link #forceDirectory} returns; written bytes are not durable until {@link
 * FileHandle#force()} returns.
 *
 * <p>Implementations: {@link NioFileIO}, the real file system, which gives every file and directory
 * it creates the permissions it was made with; {@link MemoryFileIO}, a file system in memory with
 * the same behaviour (what {@code Storage.inMemory()} uses); and, in tests, fault-injecting and
 * crash-simulating wrappers.
 */
public interface FileIO {

  /** How to open a file. */
  enum Mode {
    /** Existing file, read only. */
    READ,
    /** Existing file, read and write. */
    READ_WRITE,
    /** New file, read and write; fails if it exists. */
    CREATE_NEW,
    /** Read and write, created if absent, truncated to zero if present. */
    CREATE_OR_TRUNCATE
  }

  FileHandle open(Path file, Mode mode) throws IOException;

  boolean exists(Path path);

  /**
   * An identity of the file {@code path} names now: equal for the same file under any name,
   * different for a file created there after the first was deleted or renamed over. Null when no
   * file is there, or when this FileIO cannot tell files apart (then nothing may be concluded from
   * it): the default.
   */
  default Object fileKey(Path path) throws IOException {
    return null;
  }

  /** The entries of a directory (files and subdirectories), in no particular order. */
  List<Path> list(Path directory) throws IOException;

  /** Atomically renames, replacing {@code target} if it exists. */
  void rename(Path source, Path target) throws IOException;

  /** Deletes the file; no error if it is absent. */
  void delete(Path file) throws IOException;

  /** Creates the directory and its parents. */
  void createDirectories(Path directory) throws IOException;

  /** Fsyncs the directory, making creations, renames and deletions in it durable. */
  void forceDirectory(Path directory) throws IOException;

  /**
   * Takes an exclusive OS lock on {@code lockFile} (created if absent).
   *
   * @return the held lock, or null when another process or another holder in this process has it
   */
  Closeable tryLock(Path lockFile) throws IOException;
}
