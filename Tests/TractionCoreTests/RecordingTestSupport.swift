import Foundation
import Testing

@testable import TractionCore

/// Deterministic generator for test data (SplitMix64).
struct TestRNG: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

enum RecordingFixtures {
  static let head = """
    # format: traction-recording/1
    # rate_hz: 200
    t_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z

    """

  /// Reads every sample of `text`.
  static func readAll(_ text: String, name: String = "s7.csv", bufferSize: Int = 1 << 16)
    throws(RecordingError) -> (RecordingReader, [Sample])
  {
    var r = try RecordingReader(text: text, name: name, bufferSize: bufferSize)
    var out: [Sample] = []
    while let s = try r.next() { out.append(s) }
    return (r, out)
  }

  /// The error reading `text` raises (from the initializer or from `next()`), or nil.
  static func error(_ text: String, name: String = "s7.csv", bufferSize: Int = 1 << 16)
    -> RecordingError?
  {
    do {
      _ = try readAll(text, name: name, bufferSize: bufferSize)
      return nil
    } catch {
      return error
    }
  }

  static func tempDir() throws -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent(
      "traction-rec-tests-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
    try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
  }

  static func imu(_ a: (Double, Double, Double), _ g: (Double, Double, Double)) -> IMUReading {
    IMUReading(acc: SIMD3(a.0, a.1, a.2), gyr: SIMD3(g.0, g.1, g.2))
  }
}

/// After `seconds`, opens the read end of named pipe `path` and leaves it open: code that waits in
/// `open` for a reader is freed, so a test of it fails instead of hanging the run.
func freeAWriterWaitingOn(_ path: String, after seconds: Double) {
  DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { _ = open(path, O_RDONLY | O_NONBLOCK) }
}
