import Foundation
import Synchronization
import Testing

@testable import TractionCore

@Suite struct RecordingStreamingTests {
  /// A million samples written by `RecordingWriter` into a pipe on another thread and read from
  /// its other end through a 4 KiB buffer: the whole recording never exists at once (not in a
  /// file, not in memory), so this only passes if both sides stream. The reader's kept state
  /// stays bounded although gaps and seq jumps keep coming. (Three columns keep the debug build
  /// fast; the per-line path is the same as for wider layouts.)
  @Test func millionLinesThroughAPipe() throws {
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    let readEnd = fds[0]
    let writeEnd = fds[1]
    let total = 1_000_000
    let writerDone = DispatchSemaphore(value: 0)
    let writerError = ErrorBox()
    let thread = Thread {
      defer {
        close(writeEnd)
        writerDone.signal()
      }
      do throws(RecordingError) {
        let w = try RecordingWriter(
          path: "/dev/fd/\(writeEnd)", metadata: RecordingMetadata(rateHz: 1000),
          layout: RecordingLayout(imu: false, load: true, seq: true))
        var seq: Int64 = 0
        var tick: Int64 = 0
        for i in 0..<total {
          if i > 0 && i % 1000 == 0 {
            tick += 3  // a gap of 2 samples every 1000
            seq += 3
          } else if i > 0 {
            tick += 1
            seq += 1
          }
          let x = Double(i % 977) * 0.001
          try w.write(Sample(t: Double(tick) / 1000, loadN: 100 + x, seq: seq))
        }
        try w.close()
      } catch {
        writerError.set(error)
      }
    }
    thread.start()
    var r = try RecordingReader(
      fileDescriptor: readEnd, name: "pipe", closeWhenDone: true, bufferSize: 4096)
    var count = 0
    var checksum = 0.0
    while let s = try r.next() {
      count += 1
      checksum += s.loadN ?? 0
    }
    writerDone.wait()
    #expect(writerError.get() == nil)
    #expect(count == total)
    #expect(r.sampleCount == total)
    var expectedSum = 0.0
    for i in 0..<total { expectedSum += 100 + Double(i % 977) * 0.001 }
    #expect(abs(checksum - expectedSum) < 1e-3)
    let g = r.gaps
    #expect(g.count == 999)
    #expect(g.totalMissingSamples == 2 * 999)
    #expect(g.gaps.count == GapReport.keptLimit)
    #expect(g.seqJumpCount == 999)
    #expect(g.seqJumps.count == GapReport.keptLimit)
    #expect(r.notices.isEmpty)
    #expect(r.lastTime == Double(total - 1 + 2 * 999) / 1000)
  }
}

/// The writer thread's error, handed to the test thread.
final class ErrorBox: Sendable {
  private let error = Mutex<RecordingError?>(nil)
  func set(_ e: RecordingError) { error.withLock { $0 = e } }
  func get() -> RecordingError? { error.withLock { $0 } }
}
