package io.seglog.internal.io;

import java.nio.ByteBuffer;

/**
 * A view of a file that can only be read (the write buffer's view of the active segment, a mapped
 * sealed segment): writing, syncing and truncating throw, and closing is the owner's business, not
 * the view's. Subclasses provide {@link #read} and {@link #size}.
 */
public abstract class ReadOnlyFileHandle implements FileHandle {
  /** What the view shows, for the message of a refused write. */
  protected abstract String describe();

  @Override
  public final int write(ByteBuffer src, long position) {
    throw refused();
  }

  @Override
  public final void force() {
    throw refused();
  }

  @Override
  public final void truncate(long size) {
    throw refused();
  }

  /** Does nothing: the view's owner closes what it reads. */
  @Override
  public final void close() {}

  private UnsupportedOperationException refused() {
    return new UnsupportedOperationException(describe() + " is read-only");
  }
}
