import Testing

@testable import TractionCore

@Suite struct RecordingFuzzTests {
  typealias F = RecordingFixtures

  /// Damaged recordings never crash the reader: each either reads (every sample finite, times
  /// increasing) or fails with an error that points at a real line of the input.
  @Test func damagedRecordingsFailCleanly() throws {
    var rng = TestRNG(seed: 2026)
    let rec = try RandomRecording(seed: 99, count: 40)
    let clean = Array(try rec.write().utf8)
    let alphabet = Array("0123456789.,-+eE#\n\r \tnaif_xyz".utf8) + [0x00, 0xC3, 0xFF]
    var failures = 0
    for round in 0..<400 {
      var bytes = clean
      for _ in 0..<(1 + Int(rng.next() % 4)) {
        let at = Int(rng.next() % UInt64(bytes.count))
        switch rng.next() % 3 {
        case 0: bytes[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
        case 1: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
        default: bytes.remove(at: at)
        }
      }
      if rng.next() % 4 == 0 { bytes.removeLast(Int(rng.next() % 30)) }
      let lines = bytes.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
      do {
        var r = try RecordingReader(bytes: bytes, name: "fuzz.csv", bufferSize: 64 + round % 200)
        var last = -Double.infinity
        while let s = try r.next() {
          #expect(s.t.isFinite && s.t > last)
          last = s.t
          for v in [s.loadN, s.squeezeN, s.imu?.acc.x, s.imu?.gyr.z].compactMap({ $0 }) {
            #expect(v.isFinite)
          }
        }
        #expect(r.notices.allSatisfy { $0.line >= 1 && $0.line <= lines })
      } catch {
        failures += 1
        #expect(error.file == "fuzz.csv")
        if let l = error.line { #expect(l >= 1 && l <= lines, "\(error)") }
        if let c = error.column { #expect(c >= 1) }
        #expect(!error.description.isEmpty)
      }
    }
    #expect(failures > 100)  // the damage is mostly detected
  }
}
