package io.seglog.internal.io;

import io.seglog.LogConfig;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The real file system, through {@link FileChannel}. Thread-safe, stateless apart from the
 * permissions it gives what it creates.
 *
 * <p>Permissions. Every file this creates (through {@link #open} in a creating mode, or {@link
 * #tryLock}) and every directory ({@link #createDirectories}) gets the configured POSIX
 * permissions: passed to the creating system call, so the entry is never more open than configured
 * even for an instant, then set exactly with a chmod, since the process umask may have removed bits
 * from the first. A file opened with {@link Mode#CREATE_OR_TRUNCATE} that already existed (a
 * leftover temp file) is set to them too. On a file system without POSIX permissions (Windows, some
 * network or FAT mounts) nothing is set: entries get that file system's defaults (inherited ACLs on
 * Windows).
 */
public final class NioFileIO implements FileIO {
  /** Creates files and directories with {@link LogConfig}'s default permissions. */
  public static final NioFileIO INSTANCE =
      new NioFileIO(LogConfig.DEFAULT_FILE_PERMISSIONS, LogConfig.DEFAULT_DIRECTORY_PERMISSIONS);

  private final Set<PosixFilePermission> filePermissions;
  private final Set<PosixFilePermission> directoryPermissions;

  private NioFileIO(
      Set<PosixFilePermission> filePermissions, Set<PosixFilePermission> directoryPermissions) {
    this.filePermissions = Set.copyOf(filePermissions);
    this.directoryPermissions = Set.copyOf(directoryPermissions);
  }

  /** The real file system, creating files and directories with these POSIX permissions. */
  public static NioFileIO withPermissions(
      Set<PosixFilePermission> filePermissions, Set<PosixFilePermission> directoryPermissions) {
    if (filePermissions.equals(INSTANCE.filePermissions)
        && directoryPermissions.equals(INSTANCE.directoryPermissions)) {
      return INSTANCE;
    }
    return new NioFileIO(filePermissions, directoryPermissions);
  }

  /** The permissions files are created with. */
  public Set<PosixFilePermission> filePermissions() {
    return filePermissions;
  }

  /** The permissions directories are created with. */
  public Set<PosixFilePermission> directoryPermissions() {
    return directoryPermissions;
  }

  private static boolean posix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  private static FileAttribute<?>[] createAttributes(Path path, Set<PosixFilePermission> perms) {
    return posix(path)
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(perms)}
        : new FileAttribute<?>[0];
  }

  /** Sets exactly {@code perms} on an entry this created (a chmod ignores the umask). */
  private static void setPermissions(Path path, Set<PosixFilePermission> perms) throws IOException {
    if (posix(path)) {
      Files.setPosixFilePermissions(path, perms);
    }
  }

  @Override
  public FileHandle open(Path file, Mode mode) throws IOException {
    FileChannel channel =
        switch (mode) {
          case READ -> FileChannel.open(file, StandardOpenOption.READ);
          case READ_WRITE ->
              FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
          case CREATE_NEW ->
              FileChannel.open(
                  file,
                  Set.of(
                      StandardOpenOption.READ,
                      StandardOpenOption.WRITE,
                      StandardOpenOption.CREATE_NEW),
                  createAttributes(file, filePermissions));
          case CREATE_OR_TRUNCATE ->
              FileChannel.open(
                  file,
                  Set.of(
                      StandardOpenOption.READ,
                      StandardOpenOption.WRITE,
                      StandardOpenOption.CREATE,
                      StandardOpenOption.TRUNCATE_EXISTING),
                  createAttributes(file, filePermissions));
        };
    if (mode == Mode.CREATE_NEW || mode == Mode.CREATE_OR_TRUNCATE) {
      try {
        setPermissions(file, filePermissions);
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    }
    return new ChannelHandle(file, mode != Mode.READ, channel);
  }

  @Override
  public boolean exists(Path path) {
    return Files.exists(path);
  }

  /** The file system's own key (device and inode on Linux); null where it has none. */
  @Override
  public Object fileKey(Path path) throws IOException {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  @Override
  public List<Path> list(Path directory) throws IOException {
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
      stream.forEach(entries::add);
    }
    return entries;
  }

  @Override
  public void rename(Path source, Path target) throws IOException {
    try {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("file system cannot rename atomically: " + source + " -> " + target, e);
    }
  }

  @Override
  public void delete(Path file) throws IOException {
    Files.deleteIfExists(file);
  }

  @Override
  public void createDirectories(Path directory) throws IOException {
    // Each missing directory, outermost first, so each one created gets the permissions.
    List<Path> missing = new ArrayList<>();
    for (Path p = directory.toAbsolutePath();
        p != null && !Files.isDirectory(p);
        p = p.getParent()) {
      missing.add(0, p);
    }
    for (Path p : missing) {
      try {
        Files.createDirectory(p, createAttributes(p, directoryPermissions));
      } catch (FileAlreadyExistsException e) {
        if (!Files.isDirectory(p)) {
          throw e;
        }
        continue; // created meanwhile by someone else: theirs, leave it
      }
      setPermissions(p, directoryPermissions);
    }
  }

  @Override
  public void forceDirectory(Path directory) throws IOException {
    // On Linux a directory opened read-only can be fsynced; this makes entries durable. The
    // caller's interrupt flag is cleared meanwhile (and restored): an interrupt would close the
    // channel mid-fsync, and a failed directory fsync fences the log.
    boolean interrupted = Thread.interrupted();
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Lock files held by this JVM. On Linux a file lock belongs to the process and closing any
   * descriptor of the file releases it, so a second opener in this JVM must be turned away before
   * it opens the lock file at all: its close would silently drop the first holder's lock.
   */
  private static final Set<Path> HELD_LOCKS = ConcurrentHashMap.newKeySet();

  @Override
  public Closeable tryLock(Path lockFile) throws IOException {
    Path key = lockFile.toAbsolutePath().getParent().toRealPath().resolve(lockFile.getFileName());
    if (!HELD_LOCKS.add(key)) {
      return null; // held by another open log in this JVM
    }
    FileChannel channel;
    FileLock lock;
    try {
      boolean created = !Files.exists(lockFile);
      channel =
          FileChannel.open(
              lockFile,
              Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
              createAttributes(lockFile, filePermissions));
      if (created) {
        try {
          setPermissions(lockFile, filePermissions);
        } catch (IOException | RuntimeException e) {
          channel.close();
          throw e;
        }
      }
    } catch (IOException | RuntimeException e) {
      HELD_LOCKS.remove(key);
      throw e;
    }
    try {
      lock = channel.tryLock();
    } catch (IOException | RuntimeException e) {
      channel.close();
      HELD_LOCKS.remove(key);
      throw e;
    }
    if (lock == null) {
      channel.close();
      HELD_LOCKS.remove(key);
      return null; // held by another process
    }
    FileLock held = lock;
    return () -> {
      try {
        held.release();
      } finally {
        try {
          channel.close();
        } finally {
          HELD_LOCKS.remove(key);
        }
      }
    };
  }

  /**
   * A file channel that survives thread interrupts. A {@link FileChannel} closes itself when a
   * thread blocked in it is interrupted, which would break the file for every other thread sharing
   * it (every reader of a segment, and its writer). So each operation runs with the caller's
   * interrupt flag cleared (and restored after), and a channel closed by an interrupt that arrives
   * during an operation is reopened: reads retry on the new channel, while a write or fsync that
   * was cut short throws, since its outcome is unknown (the log then fences).
   */
  private static final class ChannelHandle implements FileHandle {
    private final Path path;
    private final boolean writable;
    private volatile FileChannel channel;
    private volatile boolean closed;

    ChannelHandle(Path path, boolean writable, FileChannel channel) {
      this.path = path;
      this.writable = writable;
      this.channel = channel;
    }

    /** One channel operation. */
    @FunctionalInterface
    private interface ChannelOp<T> {
      T apply(FileChannel channel) throws IOException;
    }

    /** Runs an operation without side effects, retrying on a channel an interrupt reopened. */
    private <T> T retrying(ChannelOp<T> op) throws IOException {
      boolean interrupted = Thread.interrupted();
      try {
        while (true) {
          FileChannel ch = channel;
          try {
            return op.apply(ch);
          } catch (ClosedChannelException e) {
            reopenAfterInterrupt(ch, e);
          }
        }
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }

    /**
     * Runs an operation with side effects once: if an interrupt closed the channel during it, the
     * channel is reopened for others but the operation fails, since its outcome is unknown (a write
     * may be partial; an fsync is never assumed good). The caller fences the log.
     */
    private <T> T once(ChannelOp<T> op) throws IOException {
      boolean interrupted = Thread.interrupted();
      FileChannel ch = channel;
      try {
        return op.apply(ch);
      } catch (ClosedChannelException e) {
        reopenAfterInterrupt(ch, e);
        throw e;
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return retrying(ch -> ch.read(dst, position));
    }

    @Override
    public long size() throws IOException {
      return retrying(FileChannel::size);
    }

    @Override
    public MappedByteBuffer mapReadOnly(long size) throws IOException {
      return retrying(ch -> ch.map(FileChannel.MapMode.READ_ONLY, 0, size));
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      return once(ch -> ch.write(src, position));
    }

    @Override
    public void force() throws IOException {
      once(
          ch -> {
            ch.force(false);
            return null;
          });
    }

    @Override
    public void truncate(long size) throws IOException {
      once(ch -> ch.truncate(size));
    }

    /**
     * Replaces {@code broken} with a fresh channel, unless this handle was closed on purpose (then
     * rethrows). Several threads may see the same broken channel; only the first reopens.
     */
    private synchronized void reopenAfterInterrupt(FileChannel broken, ClosedChannelException e)
        throws IOException {
      if (closed) {
        throw e;
      }
      if (channel == broken) {
        channel =
            writable
                ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(path, StandardOpenOption.READ);
      }
    }

    @Override
    public synchronized void close() throws IOException {
      closed = true;
      channel.close();
    }
  }
}
