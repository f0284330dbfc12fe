import Testing

@testable import TractionCore

/// `writeComment` puts `# …` notes between samples (acquisition faults); the reader skips them.
@Suite struct RecordingCommentTests {
  private func writer() throws -> RecordingWriter {
    try RecordingWriter(
      memoryNamed: "c.csv", metadata: RecordingMetadata(rateHz: 100),
      layout: RecordingLayout(imu: false, load: true, seq: true))
  }

  @Test func commentLinesBetweenSamplesAreWrittenAndIgnoredByTheReader() throws {
    let w = try writer()
    try w.write(Sample(t: 0, loadN: 1, seq: 0))
    try w.writeComment("fault: t=0.010000 imu: I2C no acknowledge of the address at 0x68")
    try w.writeComment("recovered: t=0.030000 imu")
    try w.write(Sample(t: 0.04, loadN: 2, seq: 4))
    try w.writeComment("end: 2 samples")
    let text = w.writtenText
    #expect(text.contains("\n0.000000,1.000,0\n# fault: t=0.010000 imu: I2C no acknowledge of the address at 0x68\n"))
    #expect(text.hasSuffix("# end: 2 samples\n"))

    var r = try RecordingReader(text: text, name: "c.csv")
    var got: [Sample] = []
    while let s = try r.next() { got.append(s) }
    #expect(got.map(\.t) == [0, 0.04])
    #expect(got.map(\.loadN) == [1, 2])
    #expect(got.map(\.seq) == [0, 4])
    // The comments are not metadata: the header's metadata is unchanged.
    #expect(r.metadata["fault"] == nil)
    #expect(r.metadata.rateHz == 100)
  }

  @Test func aCommentRightAfterTheHeaderIsNotMetadataAndIsSkipped() throws {
    let w = try writer()
    try w.writeComment("fault: t=0.000000 load: HX711: no conversion ready after 600001 µs")
    try w.write(Sample(t: 0, loadN: 3, seq: 0))
    var r = try RecordingReader(text: w.writtenText, name: "c.csv")
    let s = try r.next()
    #expect(s?.loadN == 3)
    #expect(try r.next() == nil)
    #expect(r.metadata["fault"] == nil)
  }

  @Test func aCommentWithALineBreakIsRefusedAndNothingIsWritten() throws {
    let w = try writer()
    try w.write(Sample(t: 0, loadN: 1, seq: 0))
    let before = w.writtenText
    #expect(throws: RecordingError.self) { try w.writeComment("two\nlines") }
    #expect(throws: RecordingError.self) { try w.writeComment("cr\rhere") }
    #expect(w.writtenText == before)
  }

  @Test func aCommentAfterCloseThrows() throws {
    let w = try writer()
    try w.close()
    #expect(throws: RecordingError.self) { try w.writeComment("late") }
  }
}
