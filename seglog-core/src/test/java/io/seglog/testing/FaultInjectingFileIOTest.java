package io.seglog.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO.Mode;
import io.seglog.internal.io.NioFileIO;
import io.seglog.testing.FaultInjectingFileIO.Op;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fault injector itself: a test tool that silently did nothing would prove nothing. */
class FaultInjectingFileIOTest {
  @TempDir Path dir;

  private static ByteBuffer bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i + 1);
    }
    return ByteBuffer.wrap(b);
  }

  @Test
  void countsEveryKindAndPassesThrough() throws IOException {
    FaultInjectingFileIO io = new FaultInjectingFileIO();
    Path f = dir.resolve("a");
    try (FileHandle h = io.open(f, Mode.CREATE_NEW)) {
      h.writeFully(bytes(10), 0);
      h.force();
      h.truncate(5);
      assertThat(h.read(ByteBuffer.allocate(5), 0)).isEqualTo(5);
    }
    io.rename(f, dir.resolve("b"));
    io.forceDirectory(dir);
    io.delete(dir.resolve("b"));
    assertThat(io.counts())
        .containsEntry(Op.CREATE, 1L)
        .containsEntry(Op.WRITE, 1L)
        .containsEntry(Op.FORCE, 1L)
        .containsEntry(Op.TRUNCATE, 1L)
        .containsEntry(Op.READ, 1L)
        .containsEntry(Op.RENAME, 1L)
        .containsEntry(Op.FORCE_DIRECTORY, 1L)
        .containsEntry(Op.DELETE, 1L)
        .containsEntry(Op.CLOSE, 1L);
    assertThat(io.totalOperations()).isEqualTo(8);
    assertThat(dir.resolve("b")).doesNotExist();
    assertThat(io.injectedFailures()).isEmpty();
  }

  @Test
  void failsTheNthOperationOnceOrPersistently() throws IOException {
    FaultInjectingFileIO io = new FaultInjectingFileIO().failNth(Op.FORCE, 2, false);
    try (FileHandle h = io.open(dir.resolve("a"), Mode.CREATE_NEW)) {
      h.force();
      assertThatThrownBy(h::force).isInstanceOf(IOException.class).hasMessageContaining("FORCE#2");
      h.force();
      io.failNth(Op.FORCE, 4, true);
      assertThatThrownBy(h::force).isInstanceOf(IOException.class);
      assertThatThrownBy(h::force).isInstanceOf(IOException.class);
    }
    assertThat(io.injectedFailures()).hasSize(3);
  }

  @Test
  void aTornWriteLeavesItsPrefixOnDisk() throws IOException {
    FaultInjectingFileIO io = new FaultInjectingFileIO().tornWriteNth(2, 3);
    Path f = dir.resolve("a");
    try (FileHandle h = io.open(f, Mode.CREATE_NEW)) {
      h.writeFully(bytes(4), 0);
      ByteBuffer second = bytes(10);
      assertThatThrownBy(() -> h.writeFully(second, 4)).isInstanceOf(IOException.class);
      assertThat(second.position()).isEqualTo(3);
    }
    assertThat(Files.readAllBytes(f)).containsExactly(1, 2, 3, 4, 1, 2, 3);
  }

  @Test
  void aFullDiskWritesWhatFitsThenRefusesEveryWrite() throws IOException {
    FaultInjectingFileIO io = new FaultInjectingFileIO().diskBudget(6);
    Path f = dir.resolve("a");
    try (FileHandle h = io.open(f, Mode.CREATE_NEW)) {
      h.writeFully(bytes(4), 0);
      assertThatThrownBy(() -> h.writeFully(bytes(4), 4))
          .isInstanceOf(IOException.class)
          .hasMessage(FaultInjectingFileIO.NO_SPACE);
      assertThatThrownBy(() -> h.writeFully(bytes(1), 6)).hasMessage(FaultInjectingFileIO.NO_SPACE);
    }
    assertThat(Files.readAllBytes(f)).containsExactly(1, 2, 3, 4, 1, 2);
  }

  @Test
  void aCrashRefusesEverythingAndReleasesLocksAndHandles() throws IOException {
    FaultInjectingFileIO io = new FaultInjectingFileIO();
    Path lockFile = dir.resolve("lock");
    Closeable lock = io.tryLock(lockFile);
    assertThat(lock).isNotNull();
    assertThat(NioFileIO.INSTANCE.tryLock(lockFile)).as("held").isNull();
    FileHandle h = io.open(dir.resolve("a"), Mode.CREATE_NEW);
    io.crash();
    assertThat(io.crashed()).isTrue();
    assertThatThrownBy(() -> h.write(bytes(1), 0)).isInstanceOf(IOException.class);
    assertThatThrownBy(h::force).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> io.open(dir.resolve("b"), Mode.CREATE_NEW))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> io.list(dir)).isInstanceOf(IOException.class);
    assertThat(dir.resolve("b")).doesNotExist();
    try (Closeable again = NioFileIO.INSTANCE.tryLock(lockFile)) {
      assertThat(again).as("released by the crash").isNotNull();
    }
    h.close();
    lock.close();
  }

  @Test
  void crashAtOperationCrashesThere() throws IOException {
    FaultInjectingFileIO io = new FaultInjectingFileIO().crashAtOperation(3);
    FileHandle h = io.open(dir.resolve("a"), Mode.CREATE_NEW); // 1
    h.writeFully(bytes(2), 0); // 2
    assertThatThrownBy(h::force).isInstanceOf(IOException.class); // 3
    assertThat(io.crashed()).isTrue();
    assertThatThrownBy(() -> h.write(bytes(1), 2)).isInstanceOf(IOException.class);
    assertThat(Files.size(dir.resolve("a"))).isEqualTo(2);
    h.close();
  }

  @Test
  void aPowerLossKeepsOnlyWhatWasFsynced() throws IOException {
    Path log = dir.resolve("log");
    java.nio.file.Files.createDirectories(log);
    java.nio.file.Files.write(log.resolve("old"), new byte[] {5});
    FaultInjectingFileIO io = new FaultInjectingFileIO().trackDurability(log);
    try (FileHandle a = io.open(log.resolve("a"), Mode.CREATE_NEW);
        FileHandle t = io.open(log.resolve("c.tmp"), Mode.CREATE_NEW);
        FileHandle old = io.open(log.resolve("old"), Mode.READ_WRITE)) {
      a.writeFully(bytes(3), 0); // name made durable below, data never fsynced
      t.writeFully(bytes(4), 0);
      t.force();
      io.rename(log.resolve("c.tmp"), log.resolve("c"));
      old.writeFully(bytes(2), 1);
      old.force();
      io.forceDirectory(log);
      try (FileHandle b = io.open(log.resolve("b"), Mode.CREATE_NEW)) {
        b.writeFully(bytes(2), 0); // data fsynced, name never made durable
        b.force();
      }
      a.writeFully(bytes(1), 3);
      io.rename(log.resolve("c"), log.resolve("d")); // not made durable
    }
    io.powerLoss();
    assertThat(Files.readAllBytes(log.resolve("a"))).isEmpty();
    assertThat(log.resolve("b")).doesNotExist();
    assertThat(log.resolve("d")).doesNotExist();
    assertThat(Files.readAllBytes(log.resolve("c"))).containsExactly(1, 2, 3, 4);
    assertThat(Files.readAllBytes(log.resolve("old"))).containsExactly(5, 1, 2);
    assertThat(log.resolve("c.tmp")).doesNotExist();
  }
}
