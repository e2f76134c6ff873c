package io.seglog.internal.segment;

import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.ReadOnlyFileHandle;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A read-only mapping of a sealed segment's file in a writable log: random reads copy a frame out
 * of it instead of making a pread system call (about twice the reads per second on cached data).
 *
 * <p>Design note. A mapping is only safe to read while the file is at least as long as the mapping:
 * reading a page past a shrunk file's end faults (SIGBUS, which the JVM turns into an {@link
 * InternalError} or worse), and reading a mapping after it was unmapped crashes the JVM. So every
 * read goes through a gate: {@link #tryEnter()} before the copy, {@link #exit()} after it; a copy
 * never hands out a view of the mapping, so nothing outlives the gate. The owner (the {@link
 * Segment}, while the {@link HandlePool} keeps its file open) drops its reference with {@link
 * #release()}; from then on {@link #tryEnter()} fails (the reader falls back to pread) and the
 * mapping is unmapped when the last copy in flight exits. A cut in place ({@code truncateAfter}
 * inside this segment) calls {@link #revoke()} before it shrinks the file: a release that also
 * waits for the copies in flight to finish. Read-only logs never map: the writer process may cut a
 * file under them.
 *
 * <p>Unmapping. Java 17 has no public unmap. When {@code sun.misc.Unsafe#invokeCleaner} (module
 * jdk.unsupported) can be reached by reflection, the mapping is unmapped as soon as the last copy
 * exits, so address space and the disk space of deleted segments are given back at once. Otherwise
 * the mapping is only dropped, and the garbage collector unmaps it some time later: meanwhile it
 * holds virtual address space (at most the handle pool's capacity of live mappings, plus dropped
 * ones awaiting collection) and keeps deleted segment files' blocks allocated. A mapping holds no
 * file descriptor either way; the pool's bound on open files is unchanged.
 *
 * <p>Thread-safe.
 */
public final class MappedSegment {
  /** The state's sign bit: the owner released the mapping. The other bits count copies. */
  private static final int RELEASED = Integer.MIN_VALUE;

  private static final MethodHandle INVOKE_CLEANER = findCleaner();

  private final Path path;
  private final int length;
  private final AtomicInteger state = new AtomicInteger();
  private volatile ByteBuffer mapping; // null once unmapped (or dropped)
  private final FileHandle reads = new Reads();

  private MappedSegment(Path path, ByteBuffer mapping) {
    this.path = path;
    this.length = mapping.capacity();
    this.mapping = mapping;
  }

  /**
   * Maps bytes {@code [0, size)} of {@code file}, or returns null when they cannot be mapped (the
   * handle does not map, or the segment is 2 GiB or more).
   *
   * @throws IOException if mapping fails
   */
  public static MappedSegment map(Path path, FileHandle file, long size) throws IOException {
    if (size <= 0 || size > Integer.MAX_VALUE) {
      return null;
    }
    MappedByteBuffer m = file.mapReadOnly(size);
    return m == null ? null : new MappedSegment(path, m);
  }

  /** Whether released mappings are unmapped at once (else the garbage collector drops them). */
  public static boolean unmapsEagerly() {
    return INVOKE_CLEANER != null;
  }

  /** Bytes mapped: the segment's size. */
  public int length() {
    return length;
  }

  /**
   * Enters the gate for one copy: true if the mapping may be read through {@link #reads()} until
   * {@link #exit()}, which the caller then calls exactly once; false once it was released.
   */
  public boolean tryEnter() {
    for (; ; ) {
      int s = state.get();
      if (s < 0) {
        return false;
      }
      if (state.compareAndSet(s, s + 1)) {
        return true;
      }
    }
  }

  /** Leaves the gate after a copy; the last copy out of a released mapping unmaps it. */
  public void exit() {
    if (state.decrementAndGet() == RELEASED) {
      unmap();
    }
  }

  /**
   * The mapping as a read-only file: reads copy out of it. Only between {@link #tryEnter()} and
   * {@link #exit()}.
   */
  public FileHandle reads() {
    return reads;
  }

  /**
   * The owner's release: no copy starts after it; the mapping is unmapped now if none is in flight,
   * else by the last one to exit. Idempotent.
   */
  public void release() {
    int before = state.getAndUpdate(s -> s | RELEASED);
    if (before == 0) {
      unmap(); // the one transition to "released, no copy": unmaps exactly once
    }
  }

  /**
   * Releases the mapping and waits until the last copy in flight has exited and it is unmapped (or
   * dropped): after it returns nothing reads the mapping again, so the file may shrink.
   */
  public void revoke() {
    release();
    for (int spins = 0; mapping != null; spins++) {
      // A copy in flight is a memcpy of one frame (and its checksum): short, never blocked.
      if (spins < 100) {
        Thread.onSpinWait();
      } else if (spins < 200) {
        Thread.yield();
      } else {
        LockSupport.parkNanos(50_000);
      }
    }
  }

  /** Whether the owner released the mapping (copies may still be in flight). */
  public boolean isReleased() {
    return state.get() < 0;
  }

  /** Whether the mapping is gone: released and no copy in flight. */
  public boolean isUnmapped() {
    return mapping == null;
  }

  private void unmap() {
    ByteBuffer m = mapping;
    mapping = null; // a read that slipped past the gate fails instead of crashing
    if (m != null && INVOKE_CLEANER != null) {
      try {
        INVOKE_CLEANER.invokeExact(m);
      } catch (Throwable e) {
        // Left to the garbage collector, which unmaps it when the buffer is unreachable.
      }
    }
  }

  /** {@code Unsafe.invokeCleaner(ByteBuffer)} bound to the instance, or null if unreachable. */
  private static MethodHandle findCleaner() {
    try {
      Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
      Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
      theUnsafe.setAccessible(true);
      Object unsafe = theUnsafe.get(null);
      Method invokeCleaner = unsafeClass.getMethod("invokeCleaner", ByteBuffer.class);
      return MethodHandles.lookup().unreflect(invokeCleaner).bindTo(unsafe);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null; // no jdk.unsupported, or a security manager: the GC unmaps
    }
  }

  @Override
  public String toString() {
    return "MappedSegment[" + path.getFileName() + ", " + length + " bytes]";
  }

  /** The mapping as a file that can only be read, and only inside the gate. */
  private final class Reads extends ReadOnlyFileHandle {
    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      ByteBuffer m = mapping;
      if (m == null) {
        throw new IOException("mapping of " + path + " was read after it was released");
      }
      if (position >= length) {
        return -1;
      }
      int n = (int) Math.min(dst.remaining(), length - position);
      if (dst.hasArray()) {
        m.get((int) position, dst.array(), dst.arrayOffset() + dst.position(), n);
        dst.position(dst.position() + n);
      } else {
        dst.put(m.slice((int) position, n));
      }
      return n;
    }

    @Override
    public long size() {
      return length;
    }

    @Override
    protected String describe() {
      // The mapping belongs to its MappedSegment, which the segment releases.
      return "the mapping of " + path;
    }
  }
}
