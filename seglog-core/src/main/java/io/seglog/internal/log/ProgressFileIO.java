package io.seglog.internal.log;

import io.seglog.ProgressListener;
import io.seglog.internal.format.FileNames;
import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.io.ForwardingFileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A {@link FileIO} that reports the progress of a pass over a log's segments (an open's recovery)
 * without the pass knowing: the first listing of the log directory fixes the segment files and
 * their sizes and reports the start, and each first open of a segment file reports the bytes of the
 * segments before it as done. Passes open segments in name order, so this is progress per segment;
 * {@link #finish} reports the end. Every operation is delegated unchanged.
 *
 * <p>Thread-safe: the reporting state is guarded by this.
 */
public final class ProgressFileIO extends ForwardingFileIO {
  private final Path directory;
  private final ProgressListener progress;

  // Guarded by this.
  private List<Path> segments;
  private long[] bytesBefore; // bytesBefore[i]: bytes of segments 0..i-1
  private long bytesTotal;
  private long reported = -1;

  /**
   * @param directory the log directory, as the pass will list it (absolute)
   */
  public ProgressFileIO(FileIO delegate, Path directory, ProgressListener progress) {
    super(Objects.requireNonNull(delegate, "delegate"));
    this.directory = directory.toAbsolutePath();
    this.progress = Objects.requireNonNull(progress, "progress");
  }

  @Override
  public FileHandle open(Path file, Mode mode) throws IOException {
    FileHandle handle = super.open(file, mode);
    try {
      reportReaching(file);
    } catch (RuntimeException e) {
      LogFiles.closeQuietly(handle, e);
      throw e;
    }
    return handle;
  }

  @Override
  public List<Path> list(Path dir) throws IOException {
    List<Path> entries = super.list(dir);
    if (dir.toAbsolutePath().equals(directory)) {
      fix(entries);
    }
    return entries;
  }

  /** Reports every listed segment done (bytes done = total); nothing if none was listed. */
  public synchronized void finish() {
    if (segments != null && !segments.isEmpty()) {
      report(bytesTotal);
    }
  }

  /** Fixes the segment files and sizes at the first listing of the log directory. */
  private synchronized void fix(List<Path> entries) throws IOException {
    if (segments != null) {
      return;
    }
    TreeMap<String, Path> byName = new TreeMap<>();
    for (Path entry : entries) {
      String name = entry.getFileName().toString();
      if (FileNames.isSegment(name)) {
        byName.put(name, entry.toAbsolutePath());
      }
    }
    List<Path> listed = new ArrayList<>(byName.values());
    long[] before = new long[listed.size()];
    long total = 0;
    for (int i = 0; i < listed.size(); i++) {
      before[i] = total;
      try (FileHandle h = delegate().open(listed.get(i), Mode.READ)) {
        total += h.size();
      } catch (java.nio.file.NoSuchFileException e) {
        // Gone since the listing: the pass reports it; it counts for nothing here.
      }
    }
    segments = listed;
    bytesBefore = before;
    bytesTotal = total;
    if (!listed.isEmpty()) {
      report(0);
    }
  }

  private synchronized void reportReaching(Path file) {
    if (segments == null) {
      return;
    }
    int i = segments.indexOf(file.toAbsolutePath());
    if (i > 0) {
      report(bytesBefore[i]);
    }
  }

  /** Reports {@code done} if it is more than was reported (progress never goes back). */
  private void report(long done) {
    if (done > reported) {
      reported = done;
      progress.progress(done, bytesTotal);
    }
  }
}
