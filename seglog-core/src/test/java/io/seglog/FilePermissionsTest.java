package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import io.seglog.internal.io.NioFileIO;
import io.seglog.internal.log.SegmentedLog;
import io.seglog.testing.FaultInjectingFileIO;
import io.seglog.testing.FaultInjectingFileIO.Op;
import io.seglog.testing.SegmentScan;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every file and directory a log creates gets the configured POSIX permissions, restrictive by
 * default, whatever the process umask (the build runs under 022, which would strip the group write
 * bit of {@code rw-rw----} if the permissions were only passed to the creating call).
 */
class FilePermissionsTest {
  static final Set<PosixFilePermission> FILE_DEFAULT = PosixFilePermissions.fromString("rw-r-----");
  static final Set<PosixFilePermission> DIR_DEFAULT = PosixFilePermissions.fromString("rwxr-x---");
  static final Set<PosixFilePermission> FILE_WIDE = PosixFilePermissions.fromString("rw-rw----");
  static final Set<PosixFilePermission> DIR_WIDE = PosixFilePermissions.fromString("rwxrwx---");

  @TempDir Path tmp;

  @BeforeEach
  void posixOnly() {
    assumeThat(tmp.getFileSystem().supportedFileAttributeViews()).contains("posix");
  }

  static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  /** The mode of every entry under {@code dir}, by name, the directory itself as ".". */
  static Map<String, String> modes(Path dir) throws IOException {
    Map<String, String> modes = new TreeMap<>();
    modes.put(".", mode(dir));
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : list.toList()) {
        modes.put(p.getFileName().toString(), mode(p));
      }
    }
    return modes;
  }

  static void fillAndRoll(Log log) {
    for (int i = 0; i < 20; i++) {
      log.append(new byte[500]);
    }
    log.roll();
    log.append(new byte[10]);
  }

  @Test
  void defaultsAreOwnerReadWriteGroupReadNothingForOthers() throws IOException {
    assertThat(LogConfig.defaults().filePermissions()).isEqualTo(FILE_DEFAULT);
    assertThat(LogConfig.defaults().directoryPermissions()).isEqualTo(DIR_DEFAULT);
    Path dir = tmp.resolve("a/b/log");
    LogConfig config = LogConfig.builder().segmentBytes(4096).build();
    try (Log log = Log.open(dir, config)) {
      fillAndRoll(log);
    }
    Map<String, String> modes = modes(dir);
    assertThat(modes.keySet())
        .as("the log created metadata, lock, several segments and index files")
        .contains("seglog.meta", "seglog.lock")
        .anyMatch(n -> n.endsWith(".idx"))
        .filteredOn(n -> n.endsWith(".seg"))
        .hasSizeGreaterThan(2);
    modes.forEach(
        (name, mode) ->
            assertThat(mode).as(name).isEqualTo(name.equals(".") ? "rwxr-x---" : "rw-r-----"));
    assertThat(mode(tmp.resolve("a"))).as("a created parent").isEqualTo("rwxr-x---");
    assertThat(mode(tmp.resolve("a/b"))).as("a created parent").isEqualTo("rwxr-x---");
  }

  @Test
  void configuredPermissionsAreSetExactlyDespiteTheUmask() throws IOException {
    Path dir = tmp.resolve("p/log");
    LogConfig config =
        LogConfig.builder()
            .segmentBytes(4096)
            .filePermissions(FILE_WIDE)
            .directoryPermissions(DIR_WIDE)
            .build();
    try (Log log = Log.open(dir, config)) {
      fillAndRoll(log);
    }
    modes(dir)
        .forEach(
            (name, mode) ->
                assertThat(mode).as(name).isEqualTo(name.equals(".") ? "rwxrwx---" : "rw-rw----"));
    assertThat(mode(tmp.resolve("p"))).isEqualTo("rwxrwx---");
  }

  @Test
  void existingDirectoriesAndFilesKeepTheirPermissions() throws IOException {
    Path dir = Files.createDirectory(tmp.resolve("mine"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    try (Log log = Log.open(dir)) {
      log.append(new byte[1]);
    }
    Path meta = dir.resolve("seglog.lock");
    Files.setPosixFilePermissions(meta, PosixFilePermissions.fromString("rw-------"));
    try (Log log = Log.open(dir)) {
      log.append(new byte[1]);
    }
    assertThat(mode(dir)).isEqualTo("rwx------");
    assertThat(mode(meta)).as("the lock file existed").isEqualTo("rw-------");
  }

  @Test
  void sideFilesOfACutTailGetThePermissions() throws IOException {
    Path dir = tmp.resolve("cut");
    LogConfig config = LogConfig.builder().filePermissions(FILE_WIDE).build();
    try (Log log = Log.open(dir, config)) {
      log.append(new byte[100]);
    }
    // a torn frame after the last one: recovery cuts it and keeps the bytes in a side file
    Path segment = SegmentScan.segments(dir).get(0);
    Files.write(segment, new byte[] {1, 2, 3, 4, 5, 6, 7}, StandardOpenOption.APPEND);
    try (Log log = Log.open(dir, config)) {
      assertThat(log.recoveryReport().cuts()).hasSize(1);
    }
    Map<String, String> modes = modes(dir);
    assertThat(modes.keySet()).anyMatch(n -> n.endsWith(".cut"));
    modes.forEach(
        (name, mode) ->
            assertThat(mode).as(name).isEqualTo(name.equals(".") ? "rwxr-x---" : "rw-rw----"));
  }

  @Test
  void tempFilesLeftByAFailedRenameGetThePermissions() throws IOException {
    Path dir = tmp.resolve("tmpfiles");
    FaultInjectingFileIO io =
        new FaultInjectingFileIO(NioFileIO.withPermissions(FILE_WIDE, DIR_WIDE));
    LogConfig config = LogConfig.builder().filePermissions(FILE_WIDE).build();
    try (Log log = SegmentedLog.open(dir, config, io)) {
      log.append(new byte[10]);
      io.failNext(Op.RENAME); // the roll's first new file (the index file) stays a .tmp
      assertThatThrownBy(log::roll).isInstanceOf(LogFencedException.class);
    }
    Map<String, String> modes = modes(dir);
    assertThat(modes.keySet()).anyMatch(n -> n.endsWith(".tmp"));
    modes.forEach(
        (name, mode) ->
            assertThat(mode).as(name).isEqualTo(name.equals(".") ? "rwxrwx---" : "rw-rw----"));
  }

  @Test
  void aLeftoverFileReusedByCreateOrTruncateGetsThePermissions() throws IOException {
    Path file = tmp.resolve("seglog.meta.tmp");
    Files.write(file, new byte[3]);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
    FileIO io = NioFileIO.withPermissions(FILE_DEFAULT, DIR_DEFAULT);
    try (FileHandle h = io.open(file, FileIO.Mode.CREATE_OR_TRUNCATE)) {
      assertThat(h.size()).isZero();
    }
    assertThat(mode(file)).isEqualTo("rw-r-----");
  }

  @Test
  void permissionsTheLogCannotWorkWithAreRefused() {
    assertThatThrownBy(
            () ->
                LogConfig.builder()
                    .filePermissions(PosixFilePermissions.fromString("r--r-----"))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("filePermissions r--r-----")
        .hasMessageContaining("owner read and write");
    assertThatThrownBy(
            () ->
                LogConfig.builder()
                    .directoryPermissions(PosixFilePermissions.fromString("rw-------"))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("directoryPermissions rw-------");
    assertThatThrownBy(() -> LogConfig.builder().filePermissions(Set.of()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("filePermissions ---------");
  }

  @Test
  void aFileSystemWithoutPosixPermissionsCreatesWithItsDefaults() throws IOException {
    Path zip = tmp.resolve("fs.zip");
    try (FileSystem fs =
        FileSystems.newFileSystem(URI.create("jar:" + zip.toUri()), Map.of("create", "true"))) {
      Path root = fs.getPath("/x/y");
      assertThat(fs.supportedFileAttributeViews()).doesNotContain("posix");
      FileIO io = NioFileIO.withPermissions(FILE_WIDE, DIR_WIDE);
      io.createDirectories(root);
      try (FileHandle h = io.open(root.resolve("f"), FileIO.Mode.CREATE_NEW)) {
        h.writeFully(ByteBuffer.wrap(new byte[] {42}), 0);
      }
      assertThat(Files.readAllBytes(root.resolve("f"))).containsExactly(42);
      assertThat(io.list(root)).hasSize(1);
    }
  }
}
