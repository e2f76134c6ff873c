package io.seglog.testing;

import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.io.NioFileIO;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link FileIO} that passes every operation to a delegate (by default the real file system) and
 * can be told to make chosen operations fail, the way a bad disk or a dying process would.
 *
 * <p>Design note. Every operation is first counted per {@link Op kind} under one lock; the count
 * decides, atomically with the counting, whether this operation fails. The real operation then runs
 * outside the lock. Failure rules:
 *
 * <ul>
 *   <li>{@link #failNth(Op, long, boolean)}: the Nth operation of a kind (counted from the creation
 *       of this object, 1-based) throws {@link IOException}; once, or that one and every later one
 *       of that kind.
 *   <li>{@link #tornWriteNth(long, int)}: the Nth write writes only a prefix of its buffer to the
 *       real file, then throws: a torn write.
 *   <li>{@link #diskBudget(long)}: after that many more bytes written, a write writes what still
 *       fits, then throws {@code IOException("No space left on device")}; so does every later
 *       write.
 *   <li>{@link #crash()} and {@link #crashAtOperation(long)}: from then on every operation throws,
 *       open handles are closed and locks taken through this object are released, as when a process
 *       dies. The page cache survives (this is a process crash, not a power loss), so a test then
 *       reopens the directory with a fresh, healthy {@code FileIO}.
 * </ul>
 *
 * <p>Operations that are counted: {@link Op}. {@link #exists} and {@link #size} of a handle are
 * neither counted nor failed, except after a crash. Thread-safe.
 */
public final class FaultInjectingFileIO implements FileIO {

  /** Kinds of operation, counted separately. */
  public enum Op {
    /** Opening an existing file ({@link Mode#READ} or {@link Mode#READ_WRITE}). */
    OPEN,
    /** Opening with {@link Mode#CREATE_NEW} or {@link Mode#CREATE_OR_TRUNCATE}. */
    CREATE,
    READ,
    WRITE,
    /** {@link FileHandle#force()}: a data fsync. */
    FORCE,
    TRUNCATE,
    RENAME,
    DELETE,
    /** {@link FileIO#forceDirectory}: a directory fsync. */
    FORCE_DIRECTORY,
    CREATE_DIRECTORIES,
    LIST,
    LOCK,
    /** Closing a handle. Never failed; counted so a workload's shape is visible. */
    CLOSE
  }

  /** The message of a simulated full disk, as Linux reports ENOSPC. */
  public static final String NO_SPACE = "No space left on device";

  private final FileIO delegate;
  private final Object lock = new Object();

  // @GuardedBy("lock") for everything below
  private final Map<Op, Long> counts = new EnumMap<>(Op.class);
  private final Map<Op, long[]> failAt = new EnumMap<>(Op.class); // {nth, persistent 0/1}
  private long totalOps;
  private long bytesWritten;
  private long crashAtTotal = Long.MAX_VALUE;
  private long tornWriteAt = -1;
  private int tornWriteBytes;
  private long budget = Long.MAX_VALUE;
  private boolean crashed;
  private final List<String> injected = new ArrayList<>();
  private final List<Closeable> openResources = new ArrayList<>();
  private final List<String> trace = new ArrayList<>();
  private boolean tracing;
  private DurabilityModel durability;

  /** Over the real file system. */
  public FaultInjectingFileIO() {
    this(NioFileIO.INSTANCE);
  }

  public FaultInjectingFileIO(FileIO delegate) {
    this.delegate = delegate;
  }

  // ---------------------------------------------------------------- arming

  /**
   * Makes the {@code nth} operation of {@code op} (1-based, counted since this object was made)
   * throw; with {@code persistent}, every later one of that kind too. Replaces an earlier rule for
   * the same kind.
   */
  public FaultInjectingFileIO failNth(Op op, long nth, boolean persistent) {
    if (nth < 1) {
      throw new IllegalArgumentException("nth " + nth + " is below 1");
    }
    if (op == Op.CLOSE) {
      throw new IllegalArgumentException("closing a handle is never failed");
    }
    synchronized (lock) {
      failAt.put(op, new long[] {nth, persistent ? 1 : 0});
    }
    return this;
  }

  /** Makes the next operation of {@code op} fail, once. */
  public FaultInjectingFileIO failNext(Op op) {
    synchronized (lock) {
      return failNth(op, count(op) + 1, false);
    }
  }

  /**
   * Makes the {@code nth} write (1-based) write only its first {@code bytes} bytes (fewer if the
   * buffer is shorter) to the real file and then throw, leaving a torn write behind.
   */
  public FaultInjectingFileIO tornWriteNth(long nth, int bytes) {
    if (nth < 1 || bytes < 0) {
      throw new IllegalArgumentException("nth " + nth + ", bytes " + bytes);
    }
    synchronized (lock) {
      tornWriteAt = nth;
      tornWriteBytes = bytes;
    }
    return this;
  }

  /**
   * A full disk: the next {@code bytes} bytes of writes succeed; the write that crosses the budget
   * writes what fits and throws {@code IOException("No space left on device")}, and so does every
   * later write.
   */
  public FaultInjectingFileIO diskBudget(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("budget " + bytes + " is negative");
    }
    synchronized (lock) {
      budget = bytes;
    }
    return this;
  }

  /**
   * Crashes when the {@code nth} counted operation of any kind (1-based, since this object was
   * made) starts: that operation and everything after it throws. See {@link #crash()}.
   */
  public FaultInjectingFileIO crashAtOperation(long nth) {
    synchronized (lock) {
      crashAtTotal = nth;
    }
    return this;
  }

  /**
   * Simulates the death of the process: from now on every operation, through this object or a
   * handle it opened, throws; the real handles are closed and the locks released, so the directory
   * can be reopened with another {@code FileIO} in this JVM.
   */
  public void crash() {
    List<Closeable> toClose;
    synchronized (lock) {
      crashed = true;
      toClose = new ArrayList<>(openResources);
      openResources.clear();
    }
    for (Closeable c : toClose) {
      try {
        c.close();
      } catch (IOException ignored) {
        // a dying process does not care
      }
    }
  }

  /**
   * Follows, from now on, which files and bytes of {@code directory} are durable, so that {@link
   * #powerLoss()} can leave exactly those. Everything already there counts as durable.
   */
  public FaultInjectingFileIO trackDurability(Path directory) {
    try {
      DurabilityModel model = new DurabilityModel(directory);
      synchronized (lock) {
        durability = model;
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return this;
  }

  /**
   * A power loss: {@link #crash()}, then the tracked directory is rewritten to what the disk held
   * durably: files whose names were made durable by a directory fsync, each with the content of its
   * last data fsync (empty if none). See {@link DurabilityModel}.
   */
  public void powerLoss() {
    crash();
    synchronized (lock) {
      if (durability == null) {
        throw new IllegalStateException("trackDurability(directory) was not called");
      }
      try {
        durability.powerLoss();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  /** Records every operation (kind, count and file) for {@link #trace()}. */
  public FaultInjectingFileIO tracing(boolean on) {
    synchronized (lock) {
      tracing = on;
    }
    return this;
  }

  // ---------------------------------------------------------------- observing

  /** How many operations of {@code op} have been attempted (failed ones included). */
  public long count(Op op) {
    synchronized (lock) {
      return counts.getOrDefault(op, 0L);
    }
  }

  /** A copy of the per-kind counts. */
  public Map<Op, Long> counts() {
    synchronized (lock) {
      return new EnumMap<>(counts);
    }
  }

  /** How many counted operations of every kind have been attempted. */
  public long totalOperations() {
    synchronized (lock) {
      return totalOps;
    }
  }

  /** Bytes passed to the real file system by writes (torn prefixes included). */
  public long bytesWritten() {
    synchronized (lock) {
      return bytesWritten;
    }
  }

  /** Descriptions of the failures injected so far, in order. */
  public List<String> injectedFailures() {
    synchronized (lock) {
      return List.copyOf(injected);
    }
  }

  /** Whether {@link #crash()} happened (explicitly or by {@link #crashAtOperation}). */
  public boolean crashed() {
    synchronized (lock) {
      return crashed;
    }
  }

  /** The operations seen while {@link #tracing(boolean)} was on. */
  public List<String> trace() {
    synchronized (lock) {
      return List.copyOf(trace);
    }
  }

  // ---------------------------------------------------------------- the decision

  /** What to do with one write. */
  private record WriteDecision(int allowedBytes, IOException failure) {}

  /** Counts {@code op} and throws if it is to fail. */
  private void before(Op op, Object target) throws IOException {
    IOException failure;
    boolean crashNow;
    synchronized (lock) {
      failure = decide(op, target);
      crashNow = failure != null && crashed;
    }
    if (crashNow) {
      crash(); // closes what the crash left open
    }
    if (failure != null) {
      throw failure;
    }
  }

  // @GuardedBy("lock")
  private IOException decide(Op op, Object target) {
    if (crashed) {
      return new IOException("simulated crash: " + op + " " + target + " refused");
    }
    long n = counts.merge(op, 1L, Long::sum);
    totalOps++;
    if (tracing) {
      trace.add(totalOps + " " + op + "#" + n + " " + target);
    }
    if (totalOps >= crashAtTotal) {
      crashed = true;
      injected.add("crash at operation " + totalOps + " (" + op + "#" + n + " " + target + ")");
      return new IOException("simulated crash at " + op + "#" + n + " " + target);
    }
    long[] rule = failAt.get(op);
    if (rule != null && (n == rule[0] || (rule[1] == 1 && n > rule[0]))) {
      injected.add(op + "#" + n + " " + target);
      return new IOException("injected failure of " + op + "#" + n + " on " + target);
    }
    return null;
  }

  private WriteDecision beforeWrite(Path file, int length) throws IOException {
    boolean crashNow;
    WriteDecision d;
    synchronized (lock) {
      IOException failure = decide(Op.WRITE, file);
      crashNow = failure != null && crashed;
      if (failure != null) {
        d = new WriteDecision(0, failure);
      } else {
        long n = counts.get(Op.WRITE);
        int allowed = length;
        IOException late = null;
        if (n == tornWriteAt) {
          allowed = Math.min(length, tornWriteBytes);
          late = new IOException("injected torn write WRITE#" + n + " on " + file);
          injected.add("torn WRITE#" + n + " " + file + " after " + allowed + " of " + length);
        }
        if (budget < Long.MAX_VALUE) {
          if (allowed > budget) {
            allowed = (int) budget;
            late = new IOException(NO_SPACE);
            injected.add("disk full at WRITE#" + n + " " + file);
          }
          budget -= allowed;
        }
        bytesWritten += allowed;
        d = new WriteDecision(allowed, late);
      }
    }
    if (crashNow) {
      crash();
    }
    if (d.allowedBytes == 0 && d.failure != null) {
      throw d.failure;
    }
    return d;
  }

  private void register(Closeable c) throws IOException {
    boolean dead;
    synchronized (lock) {
      dead = crashed;
      if (!dead) {
        openResources.add(c);
      }
    }
    if (dead) {
      c.close();
      throw new IOException("simulated crash");
    }
  }

  /** Whether {@code c} was still registered (not yet closed by a crash). */
  private boolean unregister(Closeable c) {
    synchronized (lock) {
      return openResources.remove(c);
    }
  }

  private void checkAlive(String what) throws IOException {
    synchronized (lock) {
      if (crashed) {
        throw new IOException("simulated crash: " + what + " refused");
      }
    }
  }

  // ---------------------------------------------------------------- FileIO

  @Override
  public FileHandle open(Path file, Mode mode) throws IOException {
    boolean creates = mode == Mode.CREATE_NEW || mode == Mode.CREATE_OR_TRUNCATE;
    before(creates ? Op.CREATE : Op.OPEN, file + " " + mode);
    FileHandle real = delegate.open(file, mode);
    Long inode;
    synchronized (lock) {
      inode = durability == null ? null : durability.opened(file, creates);
    }
    FaultyHandle h = new FaultyHandle(file, real, inode);
    register(h.real);
    return h;
  }

  @Override
  public boolean exists(Path path) {
    synchronized (lock) {
      if (crashed) {
        // exists() cannot throw IOException; a dead process sees nothing.
        throw new java.io.UncheckedIOException(new IOException("simulated crash: exists refused"));
      }
    }
    return delegate.exists(path);
  }

  @Override
  public List<Path> list(Path directory) throws IOException {
    before(Op.LIST, directory);
    return delegate.list(directory);
  }

  @Override
  public void rename(Path source, Path target) throws IOException {
    before(Op.RENAME, source + " -> " + target);
    delegate.rename(source, target);
    synchronized (lock) {
      if (durability != null) {
        durability.renamed(source, target);
      }
    }
  }

  @Override
  public void delete(Path file) throws IOException {
    before(Op.DELETE, file);
    delegate.delete(file);
    synchronized (lock) {
      if (durability != null) {
        durability.deleted(file);
      }
    }
  }

  @Override
  public void createDirectories(Path directory) throws IOException {
    before(Op.CREATE_DIRECTORIES, directory);
    delegate.createDirectories(directory);
  }

  @Override
  public void forceDirectory(Path directory) throws IOException {
    before(Op.FORCE_DIRECTORY, directory);
    delegate.forceDirectory(directory);
    synchronized (lock) {
      if (durability != null) {
        durability.directoryForced(directory);
      }
    }
  }

  @Override
  public Closeable tryLock(Path lockFile) throws IOException {
    before(Op.LOCK, lockFile);
    Closeable held = delegate.tryLock(lockFile);
    if (held == null) {
      return null;
    }
    register(held);
    return () -> {
      if (unregister(held)) {
        held.close(); // unless a crash released it already
      }
    };
  }

  /** A handle whose operations pass the same checks. */
  private final class FaultyHandle implements FileHandle {
    private final Path file;
    private final FileHandle real;
    private final Long inode; // in the durability model, if tracked

    FaultyHandle(Path file, FileHandle real, Long inode) {
      this.file = file;
      this.real = real;
      this.inode = inode;
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      before(Op.READ, file);
      return real.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      int length = src.remaining();
      WriteDecision d = beforeWrite(file, length);
      if (d.failure == null) {
        return real.write(src, position);
      }
      // Write the allowed prefix for real, then fail: a torn write or a full disk.
      ByteBuffer prefix = src.duplicate();
      prefix.limit(prefix.position() + d.allowedBytes);
      long pos = position;
      while (prefix.hasRemaining()) {
        pos += real.write(prefix, pos);
      }
      src.position(prefix.position());
      throw d.failure;
    }

    @Override
    public void force() throws IOException {
      before(Op.FORCE, file);
      real.force();
      synchronized (lock) {
        if (durability != null) {
          durability.forced(inode);
        }
      }
    }

    @Override
    public void truncate(long size) throws IOException {
      before(Op.TRUNCATE, file + " to " + size);
      real.truncate(size);
    }

    @Override
    public long size() throws IOException {
      checkAlive("size of " + file);
      return real.size();
    }

    @Override
    public void close() throws IOException {
      synchronized (lock) {
        counts.merge(Op.CLOSE, 1L, Long::sum);
      }
      unregister(real);
      real.close(); // closing twice (after a crash closed it) is harmless
    }
  }
}
