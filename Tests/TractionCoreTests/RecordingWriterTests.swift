import Testing

@testable import TractionCore

@Suite struct RecordingWriterTests {
  static func imuSample(_ t: Double, seq: Int64? = nil) -> Sample {
    Sample(
      t: t,
      imu: IMUReading(acc: SIMD3(0.1312, -0.0417, 9.7921), gyr: SIMD3(0.00122, -0.00041, 0.00007)),
      seq: seq)
  }

  @Test func writesSpecExampleExactly() throws {
    var md = RecordingMetadata()
    md.rateHz = 200
    md.sensor = "mpu6050"
    md.placement = "upper-back"
    md.started = "2026-11-21T09:30:00Z"
    let w = try RecordingWriter(memoryNamed: "mem.csv", metadata: md, layout: RecordingLayout(imu: true))
    try w.write(Sample(t: 0, imu: IMUReading(acc: SIMD3(0.1312, -0.0417, 9.7921), gyr: SIMD3(0.00122, -0.00041, 0.00007))))
    try w.write(Sample(t: 0.005, imu: IMUReading(acc: SIMD3(0.129, -0.0433, 9.7968), gyr: SIMD3(0.00109, -0.00052, 0.00011))))
    // The spec's example, with the documented decimals (acc 5, gyr 6).
    let expected = """
      # format: traction-recording/1
      # rate_hz: 200
      # sensor: mpu6050
      # placement: upper-back
      # started: 2026-11-21T09:30:00Z
      t_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z
      0.000000,0.13120,-0.04170,9.79210,0.001220,-0.000410,0.000070
      0.005000,0.12900,-0.04330,9.79680,0.001090,-0.000520,0.000110

      """
    #expect(w.writtenText == expected)
  }

  @Test func formatsFixedDecimals() {
    func f(_ v: Double, _ d: Int) -> String {
      var out: [UInt8] = []
      FixedFormatter.append(v, decimals: d, to: &out)
      return String(decoding: out, as: UTF8.self)
    }
    #expect(f(0, 3) == "0.000")
    #expect(f(-0.0004, 3) == "0.000")
    #expect(f(-0.0005, 3) == "-0.001")
    #expect(f(1234.5678, 2) == "1234.57")
    #expect(f(-9.81, 5) == "-9.81000")
    #expect(f(42, 0) == "42")
    #expect(f(1e20, 3) == "1e+20")
  }
}
