package io.seglog.internal.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A file system held in memory: a map from paths to directories and files of bytes. Nothing touches
 * the disk. Thread-safe.
 *
 * <p>Design note. It behaves as {@link NioFileIO} does on a POSIX file system, so a log on it
 * behaves as one on disk, failures included: opening a missing file, creating one that exists or
 * one in a missing directory, listing or fsyncing a missing directory throw the same {@code
 * java.nio.file} exceptions; a closed handle throws {@link ClosedChannelException}; writing past
 * the end fills the gap with zeros. Names and contents are separate, like inodes: a handle keeps
 * its file across a rename of it, and keeps reading and writing a file whose name was deleted.
 * Locks are exclusive within this instance: a second {@link #tryLock} of a path gets null, as
 * {@link NioFileIO}'s does within one JVM, and one of a locked file under a name it was renamed to
 * throws {@link OverlappingFileLockException}, as the JDK does.
 *
 * <p>Durability: fsyncs ({@link FileHandle#force()}, {@link #forceDirectory}) do nothing, since
 * every change is at once as durable as this object: the data lives exactly as long as it does.
 * Paths are keys: {@code toAbsolutePath().normalize()} of the given path, of whatever file system
 * (normally the default one); nothing is checked against the real disk. A file holds at most {@link
 * #MAX_FILE_BYTES} bytes.
 *
 * <p>Guarded by {@code lock}: the name map and the held locks. Each file's bytes are guarded by the
 * file itself, so reads of different files do not contend.
 */
public final class MemoryFileIO implements FileIO {
  /** Largest in-memory file: a Java array's bound. */
  public static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

  private final Object lock = new Object();
  private final Map<Path, Object> entries = new HashMap<>(); // value: DIRECTORY or a FileData
  private final Set<Path> heldLocks = new HashSet<>();
  private final Set<FileData> lockedFiles = new HashSet<>(); // a lock is on the file, not the name
  private static final Object DIRECTORY = new Object();

  /** An empty file system: no file, no directory but the roots. */
  public MemoryFileIO() {}

  private static Path key(Path path) {
    return path.toAbsolutePath().normalize();
  }

  /** Whether {@code path} is a directory; roots always are. @GuardedBy("lock") */
  private boolean isDirectory(Path key) {
    return key.getParent() == null || entries.get(key) == DIRECTORY;
  }

  private void checkParent(Path key) throws IOException {
    Path parent = key.getParent();
    if (parent != null && !isDirectory(parent)) {
      throw new NoSuchFileException(key.toString(), null, "parent directory does not exist");
    }
  }

  @Override
  public FileHandle open(Path file, Mode mode) throws IOException {
    Path key = key(file);
    FileData data;
    synchronized (lock) {
      Object entry = entries.get(key);
      if (entry == DIRECTORY || (entry == null && key.getParent() == null)) {
        throw new FileSystemException(key.toString(), null, "is a directory");
      }
      switch (mode) {
        case READ, READ_WRITE -> {
          if (entry == null) {
            throw new NoSuchFileException(key.toString());
          }
          data = (FileData) entry;
        }
        case CREATE_NEW -> {
          if (entry != null) {
            throw new FileAlreadyExistsException(key.toString());
          }
          checkParent(key);
          data = new FileData();
          entries.put(key, data);
        }
        case CREATE_OR_TRUNCATE -> {
          if (entry == null) {
            checkParent(key);
            data = new FileData();
            entries.put(key, data);
          } else {
            data = (FileData) entry;
            data.truncate(0);
          }
        }
        default -> throw new IllegalArgumentException("mode " + mode);
      }
    }
    return new MemoryHandle(data, mode != Mode.READ);
  }

  @Override
  public boolean exists(Path path) {
    Path key = key(path);
    synchronized (lock) {
      return key.getParent() == null || entries.containsKey(key);
    }
  }

  /** The file's bytes object itself: one per file, shared by its names and handles. */
  @Override
  public Object fileKey(Path path) {
    Path key = key(path);
    synchronized (lock) {
      Object entry = entries.get(key);
      return entry instanceof FileData ? entry : null;
    }
  }

  @Override
  public List<Path> list(Path directory) throws IOException {
    Path key = key(directory);
    synchronized (lock) {
      if (!isDirectory(key)) {
        if (entries.containsKey(key)) {
          throw new NotDirectoryException(key.toString());
        }
        throw new NoSuchFileException(key.toString());
      }
      List<Path> children = new ArrayList<>();
      for (Path p : entries.keySet()) {
        if (key.equals(p.getParent())) {
          children.add(p);
        }
      }
      return children;
    }
  }

  @Override
  public void rename(Path source, Path target) throws IOException {
    Path from = key(source);
    Path to = key(target);
    synchronized (lock) {
      Object entry = entries.get(from);
      if (entry == null) {
        throw new NoSuchFileException(from.toString());
      }
      if (entry == DIRECTORY) {
        throw new FileSystemException(from.toString(), null, "renaming directories unsupported");
      }
      if (entries.get(to) == DIRECTORY || to.getParent() == null) {
        throw new FileSystemException(to.toString(), null, "is a directory");
      }
      checkParent(to);
      if (!from.equals(to)) {
        entries.remove(from);
        entries.put(to, entry);
      }
    }
  }

  @Override
  public void delete(Path file) throws IOException {
    Path key = key(file);
    synchronized (lock) {
      if (entries.get(key) == DIRECTORY) {
        for (Path p : entries.keySet()) {
          if (key.equals(p.getParent())) {
            throw new DirectoryNotEmptyException(key.toString());
          }
        }
      }
      entries.remove(key);
    }
  }

  @Override
  public void createDirectories(Path directory) throws IOException {
    Path key = key(directory);
    synchronized (lock) {
      List<Path> missing = new ArrayList<>();
      for (Path p = key; p != null && !isDirectory(p); p = p.getParent()) {
        if (entries.containsKey(p)) {
          throw new FileAlreadyExistsException(p.toString(), null, "is a file");
        }
        missing.add(p);
      }
      for (Path p : missing) {
        entries.put(p, DIRECTORY);
      }
    }
  }

  @Override
  public void forceDirectory(Path directory) throws IOException {
    Path key = key(directory);
    synchronized (lock) {
      if (!isDirectory(key)) {
        throw new NoSuchFileException(key.toString());
      }
    }
  }

  @Override
  public Closeable tryLock(Path lockFile) throws IOException {
    Path key = key(lockFile);
    FileData locked;
    synchronized (lock) {
      if (heldLocks.contains(key)) {
        return null;
      }
      Object entry = entries.get(key);
      if (entry == DIRECTORY) {
        throw new FileSystemException(key.toString(), null, "is a directory");
      }
      if (entry == null) {
        checkParent(key);
        entry = new FileData();
        entries.put(key, entry);
      }
      if (!lockedFiles.add((FileData) entry)) {
        // locked under another name it was renamed from: the JDK refuses the same way
        throw new OverlappingFileLockException();
      }
      heldLocks.add(key);
      locked = (FileData) entry;
    }
    return new Closeable() {
      private boolean released;

      @Override
      public void close() {
        synchronized (lock) {
          if (!released) {
            released = true;
            heldLocks.remove(key);
            lockedFiles.remove(locked);
          }
        }
      }
    };
  }

  /** A file's bytes, shared by every handle and name of it. Thread-safe. */
  private static final class FileData {
    private byte[] bytes = new byte[0];
    private int size;

    synchronized int read(ByteBuffer dst, long position) {
      if (position >= size) {
        return dst.hasRemaining() ? -1 : 0;
      }
      int n = (int) Math.min(dst.remaining(), size - position);
      dst.put(bytes, (int) position, n);
      return n;
    }

    synchronized int write(ByteBuffer src, long position) throws IOException {
      int n = src.remaining();
      long end = position + n;
      if (end > MAX_FILE_BYTES) {
        throw new IOException(
            "in-memory file would grow to " + end + " bytes, past " + MAX_FILE_BYTES);
      }
      if (end > bytes.length) {
        bytes =
            Arrays.copyOf(bytes, (int) Math.min(MAX_FILE_BYTES, Math.max(end, 2L * bytes.length)));
      }
      if (position > size) {
        Arrays.fill(bytes, size, (int) position, (byte) 0); // the hole reads as zeros
      }
      src.get(bytes, (int) position, n);
      size = (int) Math.max(size, end);
      return n;
    }

    synchronized void truncate(long newSize) {
      if (newSize < size) {
        size = (int) newSize;
        if (bytes.length > 4096 && size < bytes.length / 4) {
          bytes = Arrays.copyOf(bytes, Math.max(size, 1024));
        }
      }
    }

    synchronized long size() {
      return size;
    }
  }

  /** A handle on a {@link FileData}; positional, like a {@code FileChannel}. */
  private static final class MemoryHandle implements FileHandle {
    private final FileData data;
    private final boolean writable;
    private volatile boolean closed;

    MemoryHandle(FileData data, boolean writable) {
      this.data = data;
      this.writable = writable;
    }

    private void checkOpen() throws ClosedChannelException {
      if (closed) {
        throw new ClosedChannelException();
      }
    }

    private void checkWritable() throws ClosedChannelException {
      checkOpen();
      if (!writable) {
        throw new NonWritableChannelException();
      }
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      checkOpen();
      if (position < 0) {
        throw new IllegalArgumentException("negative position " + position);
      }
      return data.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      checkWritable();
      if (position < 0) {
        throw new IllegalArgumentException("negative position " + position);
      }
      return data.write(src, position);
    }

    @Override
    public void force() throws IOException {
      checkOpen();
    }

    @Override
    public void truncate(long size) throws IOException {
      checkWritable();
      if (size < 0) {
        throw new IllegalArgumentException("negative size " + size);
      }
      data.truncate(size);
    }

    @Override
    public long size() throws IOException {
      checkOpen();
      return data.size();
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
