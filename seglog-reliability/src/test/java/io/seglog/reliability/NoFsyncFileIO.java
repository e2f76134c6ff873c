package io.seglog.reliability;

import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * The negative control's broken disk: a {@link FileIO} whose data fsync ({@link
 * FileHandle#force()}) returns at once without doing anything, so a log over it acknowledges under
 * {@code ALWAYS} what is only in the page cache. With {@code skipDirectoryFsync}, directory fsyncs
 * are dropped too. The suite must catch the lost acknowledgements this causes; if it does not, the
 * suite is broken. Thread-safe if the delegate is.
 */
final class NoFsyncFileIO implements FileIO {
  private final FileIO delegate;
  private final boolean skipDataFsync;
  private final boolean skipDirectoryFsync;

  NoFsyncFileIO(FileIO delegate, boolean skipDataFsync, boolean skipDirectoryFsync) {
    this.delegate = delegate;
    this.skipDataFsync = skipDataFsync;
    this.skipDirectoryFsync = skipDirectoryFsync;
  }

  @Override
  public FileHandle open(Path file, Mode mode) throws IOException {
    FileHandle real = delegate.open(file, mode);
    if (!skipDataFsync) {
      return real;
    }
    return new FileHandle() {
      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        return real.read(dst, position);
      }

      @Override
      public int write(ByteBuffer src, long position) throws IOException {
        return real.write(src, position);
      }

      @Override
      public void force() {
        // the bug under test: claims durability without asking the disk
      }

      @Override
      public void truncate(long size) throws IOException {
        real.truncate(size);
      }

      @Override
      public long size() throws IOException {
        return real.size();
      }

      @Override
      public void close() throws IOException {
        real.close();
      }
    };
  }

  @Override
  public boolean exists(Path path) {
    return delegate.exists(path);
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
    if (!skipDirectoryFsync) {
      delegate.forceDirectory(directory);
    }
  }

  @Override
  public Closeable tryLock(Path lockFile) throws IOException {
    return delegate.tryLock(lockFile);
  }
}
