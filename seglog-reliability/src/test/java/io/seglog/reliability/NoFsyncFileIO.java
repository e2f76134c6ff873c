package io.seglog.reliability;

import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.io.ForwardingFileIO;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The negative control's broken disk: a {@link FileIO} whose data fsync ({@link
 * FileHandle#force()}) returns at once without doing anything, so a log over it acknowledges under
 * {@code ALWAYS} what is only in the page cache. With {@code skipDirectoryFsync}, directory fsyncs
 * are dropped too. The suite must catch the lost acknowledgements this causes; if it does not, the
 * suite is broken. Thread-safe if the delegate is.
 */
final class NoFsyncFileIO extends ForwardingFileIO {
  private final boolean skipDataFsync;
  private final boolean skipDirectoryFsync;

  NoFsyncFileIO(FileIO delegate, boolean skipDataFsync, boolean skipDirectoryFsync) {
    super(delegate);
    this.skipDataFsync = skipDataFsync;
    this.skipDirectoryFsync = skipDirectoryFsync;
  }

  @Override
  protected FileHandle wrap(Path file, FileHandle handle) {
    if (!skipDataFsync) {
      return handle;
    }
    return new ForwardingHandle(handle) {
      @Override
      public void force() {
        // the bug under test: claims durability without asking the disk
      }
    };
  }

  @Override
  public void forceDirectory(Path directory) throws IOException {
    if (!skipDirectoryFsync) {
      super.forceDirectory(directory);
    }
  }
}
