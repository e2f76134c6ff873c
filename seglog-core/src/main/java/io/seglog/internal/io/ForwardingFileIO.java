package io.seglog.internal.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link FileIO} that forwards everything to another, for wrappers that change one or two
 * operations (progress reporting, test fault injection): override those (and {@link #wrap} to
 * change a handle's operations). Thread-safe if the delegate is.
 */
public class ForwardingFileIO implements FileIO {
  private final FileIO delegate;

  public ForwardingFileIO(FileIO delegate) {
    this.delegate = delegate;
  }

  /** The file system every operation goes to. */
  protected final FileIO delegate() {
    return delegate;
  }

  /** Wraps each opened handle; by default a {@link ForwardingHandle} that changes nothing. */
  protected FileHandle wrap(Path file, FileHandle handle) {
    return handle;
  }

  @Override
  public FileHandle open(Path file, Mode mode) throws IOException {
    return wrap(file, delegate.open(file, mode));
  }

  @Override
  public boolean exists(Path path) {
    return delegate.exists(path);
  }

  @Override
  public Object fileKey(Path path) throws IOException {
    return delegate.fileKey(path);
  }

  @Override
  public List<Path> list(Path directory) throws IOException {
    return delegate.list(directory);
  }

  @Override
  public void rename(Path source, Path target) throws IOException {
    delegate.rename(source, target);
  }

  @Override
  public void delete(Path file) throws IOException {
    delegate.delete(file);
  }

  @Override
  public void createDirectories(Path directory) throws IOException {
    delegate.createDirectories(directory);
  }

  @Override
  public void forceDirectory(Path directory) throws IOException {
    delegate.forceDirectory(directory);
  }

  @Override
  public Closeable tryLock(Path lockFile) throws IOException {
    return delegate.tryLock(lockFile);
  }

  /**
   * A {@link FileHandle} that forwards everything but {@link FileHandle#mapReadOnly} (a wrapper
   * exists to see every read, which a mapping would bypass: so the log reads its files by pread);
   * override what a test changes.
   */
  public static class ForwardingHandle implements FileHandle {
    private final FileHandle delegate;

    public ForwardingHandle(FileHandle delegate) {
      this.delegate = delegate;
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return delegate.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      return delegate.write(src, position);
    }

    @Override
    public void force() throws IOException {
      delegate.force();
    }

    @Override
    public void truncate(long size) throws IOException {
      delegate.truncate(size);
    }

    @Override
    public long size() throws IOException {
      return delegate.size();
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }
  }
}
