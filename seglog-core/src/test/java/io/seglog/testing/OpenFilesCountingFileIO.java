package io.seglog.testing;

import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.io.ForwardingFileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link FileIO} that counts the files open now and the most ever open at once, in total and for
 * segment files ({@code .seg}), and fails any use of a handle after its close with an {@link
 * IllegalStateException} (so a read racing a close is caught even where the OS would not notice).
 * Optionally drops every fsync, for tests that build large logs and test no durability. Thread-safe
 * if the delegate is.
 */
public final class OpenFilesCountingFileIO extends ForwardingFileIO {
  private final boolean skipFsync;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger maxOpen = new AtomicInteger();
  private final AtomicInteger openSegments = new AtomicInteger();
  private final AtomicInteger maxOpenSegments = new AtomicInteger();
  private final AtomicLong opens = new AtomicLong();
  private final AtomicLong useAfterClose = new AtomicLong();

  public OpenFilesCountingFileIO(FileIO delegate, boolean skipFsync) {
    super(delegate);
    this.skipFsync = skipFsync;
  }

  /** Files open now. */
  public int open() {
    return open.get();
  }

  /** Most files open at once since creation or {@link #resetMaxima()}. */
  public int maxOpen() {
    return maxOpen.get();
  }

  /** Segment files open now. */
  public int openSegments() {
    return openSegments.get();
  }

  /** Most segment files open at once since creation or {@link #resetMaxima()}. */
  public int maxOpenSegments() {
    return maxOpenSegments.get();
  }

  /** Files opened since creation. */
  public long opens() {
    return opens.get();
  }

  /** Uses of a handle after its close (each also threw). */
  public long usesAfterClose() {
    return useAfterClose.get();
  }

  public void resetMaxima() {
    maxOpen.set(open.get());
    maxOpenSegments.set(openSegments.get());
  }

  @Override
  public void forceDirectory(Path directory) throws IOException {
    if (!skipFsync) {
      super.forceDirectory(directory);
    }
  }

  @Override
  protected FileHandle wrap(Path file, FileHandle handle) {
    boolean segment = file.getFileName().toString().endsWith(".seg");
    opens.incrementAndGet();
    maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
    if (segment) {
      maxOpenSegments.accumulateAndGet(openSegments.incrementAndGet(), Math::max);
    }
    AtomicBoolean closed = new AtomicBoolean();
    return new ForwardingHandle(handle) {
      private void check() {
        if (closed.get()) {
          useAfterClose.incrementAndGet();
          throw new IllegalStateException(file + " used after its handle was closed");
        }
      }

      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        check();
        return super.read(dst, position);
      }

      @Override
      public int write(ByteBuffer src, long position) throws IOException {
        check();
        return super.write(src, position);
      }

      @Override
      public void force() throws IOException {
        check();
        if (!skipFsync) {
          super.force();
        }
      }

      @Override
      public void truncate(long size) throws IOException {
        check();
        super.truncate(size);
      }

      @Override
      public long size() throws IOException {
        check();
        return super.size();
      }

      @Override
      public void close() throws IOException {
        if (closed.compareAndSet(false, true)) {
          open.decrementAndGet();
          if (segment) {
            openSegments.decrementAndGet();
          }
          super.close();
        }
      }
    };
  }
}
