// Throughput of the recording writer and reader, built outside SwiftPM so it needs no target:
//   Benchmarks/run-recording-bench.sh [lines]
// It compiles this file together with TractionCore's Model and Recording sources (-O, whole
// module), writes a recording to /tmp, reads it back and prints lines per second.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

func now() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

@main struct RecordingBench {
  static func main() throws {
    let args = CommandLine.arguments
    let lines = args.count > 1 ? Int(args[1]) ?? 2_000_000 : 2_000_000
    let path = "/tmp/traction-recording-bench-\(getpid()).csv"
    defer { unlink(path) }

    let layout = RecordingLayout(imu: true, load: true, seq: true)
    var t0 = now()
    let w = try RecordingWriter(
      path: path, metadata: RecordingMetadata(rateHz: 200), layout: layout)
    for i in 0..<lines {
      let x = Double(i % 977) * 0.001
      try w.write(
        Sample(
          t: Double(i) * 0.005,
          imu: IMUReading(
            acc: SIMD3(0.1312 + x, -0.0417 - x, 9.7921), gyr: SIMD3(0.00122, -x * 0.01, 0.00007)),
          loadN: 120.5 + x, seq: Int64(i)))
    }
    try w.close()
    let writeSeconds = now() - t0
    var st = stat()
    stat(path, &st)
    let bytes = Double(st.st_size)

    var best = Double.infinity
    var count = 0
    var sum = 0.0
    for _ in 0..<3 {
      t0 = now()
      var r = try RecordingReader(path: path)
      count = 0
      sum = 0
      while let s = try r.next() {
        count += 1
        sum += s.loadN ?? 0
      }
      best = min(best, now() - t0)
    }
    let recorded = Double(lines) * 0.005
    print(
      "lines: \(count) (\(Int(bytes / 1e6)) MB, \(Int(recorded / 3600 * 10) / 10) h at 200 Hz), checksum \(Int(sum))"
    )
    print(
      "write: \(Int(Double(lines) / writeSeconds)) lines/s (\(Int(bytes / writeSeconds / 1e6)) MB/s)"
    )
    print(
      "read:  \(Int(Double(count) / best)) lines/s (\(Int(bytes / best / 1e6)) MB/s), \(Int(recorded / best))x real time at 200 Hz"
    )
  }
}
