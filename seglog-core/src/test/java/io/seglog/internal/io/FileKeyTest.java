package io.seglog.internal.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link FileIO#fileKey}: the same file keeps its key under another name, a file created after the
 * first was deleted or renamed over gets another, and no file has none. The read-only follower
 * relies on it to see that the writer replaced the file it has open.
 */
class FileKeyTest {
  @TempDir Path tmp;

  private FileIO io(String kind) {
    return kind.equals("nio") ? NioFileIO.INSTANCE : new MemoryFileIO();
  }

  private static void create(FileIO io, Path file, String content) throws Exception {
    try (FileHandle h = io.open(file, FileIO.Mode.CREATE_NEW)) {
      h.writeFully(ByteBuffer.wrap(content.getBytes(java.nio.charset.StandardCharsets.UTF_8)), 0);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"nio", "memory"})
  void keysTellFilesApartNotNames(String kind) throws Exception {
    FileIO io = io(kind);
    Path dir = tmp.resolve("d");
    io.createDirectories(dir);
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    assertThat(io.fileKey(a)).as("no file").isNull();

    create(io, a, "first");
    Object first = io.fileKey(a);
    assertThat(first).isNotNull().isEqualTo(io.fileKey(a));

    io.rename(a, b);
    assertThat(io.fileKey(b)).as("the same file, renamed").isEqualTo(first);
    assertThat(io.fileKey(a)).isNull();

    // Keep the first file alive while another takes its old name, so a recycled inode number
    // cannot make the keys equal by chance.
    try (FileHandle held = io.open(b, FileIO.Mode.READ)) {
      create(io, a, "second");
      assertThat(io.fileKey(a)).as("another file under the old name").isNotEqualTo(first);
      io.delete(b);
      create(io, b, "third");
      assertThat(io.fileKey(b)).as("created again after a delete").isNotEqualTo(first);
      Object third = io.fileKey(b);
      io.rename(a, b); // renamed over
      assertThat(io.fileKey(b)).isNotEqualTo(third).isNotEqualTo(first);
      assertThat(held.size()).isEqualTo(5);
    }
  }
}
