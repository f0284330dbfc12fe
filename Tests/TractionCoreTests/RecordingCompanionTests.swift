import Foundation
import Testing

@testable import TractionCore

@Suite struct RecordingCompanionTests {
  typealias F = RecordingFixtures

  @Test func companionPaths() {
    #expect(RecordingCompanions.labelsPath(forRecording: "/d/s7.csv") == "/d/s7.labels.json")
    #expect(RecordingCompanions.truthPath(forRecording: "/d/s7.csv") == "/d/s7.truth.csv")
    #expect(RecordingCompanions.truthPath(forRecording: "s7") == "s7.truth.csv")
  }

  /// The directory to create before writing (`traction simulate --out a` trapped in Foundation's
  /// `deletingLastPathComponent` on a bare name).
  @Test func directoryOfAPath() {
    #expect(RecordingCompanions.directory(of: "a") == "")
    #expect(RecordingCompanions.directory(of: "runs/a") == "runs")
    #expect(RecordingCompanions.directory(of: "/tmp/x/a.csv") == "/tmp/x")
    #expect(RecordingCompanions.directory(of: "/a") == "/")
  }

  @Test func labelsRoundTripThroughAFile() throws {
    let dir = try F.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("s.labels.json").path
    let labels = SessionLabels(
      variantPerRep: [.basic, .anchored], reps: [Rep(start: 1, end: 20.5, peakDeg: 18.25)],
      holds: [Hold(start: 2, end: 8, kind: .traction, meanDeg: 3.5)],
      breathSteps: [BreathStep(t: 10.125, riseDeg: 1.5)])
    try labels.write(path: path)
    #expect(try SessionLabels.read(path: path) == labels)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.contains("\"variant_per_rep\""))
    #expect(text.contains("\"peak_deg\""))
  }

  @Test func labelsErrorsNameTheFile() throws {
    do {
      _ = try SessionLabels.read(path: "/nonexistent-dir-traction/a.labels.json")
      Issue.record("read a missing file")
    } catch {
      #expect(error.kind == .unreadable)
      #expect(error.file == "/nonexistent-dir-traction/a.labels.json")
    }
    do {
      _ = try SessionLabels.decode(
        Array(#"{"reps": [{"start": 1, "end": "x", "peak_deg": 2}]}"#.utf8), name: "b.labels.json")
      Issue.record("decoded a bad label")
    } catch {
      #expect(error.kind == .badJSON)
      #expect(error.description.hasPrefix("b.labels.json: "))
      #expect(error.reason.contains("reps"))
    }
    #expect(throws: RecordingError.self) {
      _ = try SessionLabels.decode(Array("{".utf8), name: "c")
    }
    #expect(throws: RecordingError.self) { _ = try SessionLabels.decode([], name: "c") }
    // A section left out is empty (a session with no breath steps may omit them)…
    #expect(try SessionLabels.decode(Array(#"{"reps": []}"#.utf8), name: "d") == SessionLabels())
    #expect(try SessionLabels.decode(Array(#"{"holds": null}"#.utf8), name: "d") == SessionLabels())
    // …but with none of them it is not labels: `{}` or a misspelt key was scored as a session
    // where nothing happened.
    for text in ["{}", #"{"rep": [{"start": 1, "end": 9, "peak_deg": 12}]}"#] {
      do {
        _ = try SessionLabels.decode(Array(text.utf8), name: "e.labels.json")
        Issue.record("\(text) decoded as labels")
      } catch {
        #expect(error.kind == .badJSON)
        #expect(error.description.hasPrefix("e.labels.json: none of the keys 'reps', 'holds', 'breath_steps'"))
        #expect(error.reason.contains(text == "{}" ? "found: none" : "found: 'rep'"), "\(error)")
      }
    }
  }

  /// Labels are read from a regular file only, and at most 16 MiB of it: a folder or a device
  /// (a link to /dev/zero would grow memory for ever) is refused by name before it is opened.
  @Test func labelsAreReadFromARegularFileOfBoundedSize() throws {
    let dir = try F.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let folder = dir.appendingPathComponent("f.labels.json").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    let e = try #require(throws: RecordingError.self) { try SessionLabels.read(path: folder) }
    #expect(
      e.description == "\(folder): not a regular file but a folder (only regular files found in a folder are read)")
    let dangling = dir.appendingPathComponent("d.labels.json").path
    try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: dir.path + "/nothing")
    let d = try #require(throws: RecordingError.self) { try SessionLabels.read(path: dangling) }
    #expect(d.description.contains("a symbolic link to a missing file"), "\(d)")
    // One byte over the limit: refused, naming the file and the limit.
    let big = dir.appendingPathComponent("big.labels.json").path
    #expect(FileManager.default.createFile(atPath: big, contents: Data("{}".utf8)))
    #expect(truncate(big, off_t((16 << 20) + 1)) == 0)
    let b = try #require(throws: RecordingError.self) { try SessionLabels.read(path: big) }
    #expect(b.description == "\(big): larger than 16 MiB, the most read from this kind of file; not read")
  }

  /// A truth file saved with a UTF-8 byte-order mark reads like one without (as a recording does).
  @Test func truthReaderIgnoresAByteOrderMark() throws {
    var r = try TruthReader(text: "\u{FEFF}t_s,theta_deg\n0,1.5\n0.01,2\n", name: "b.truth.csv")
    var points: [ThetaPoint] = []
    while let p = try r.next() { points.append(p) }
    #expect(points == [ThetaPoint(t: 0, thetaDeg: 1.5), ThetaPoint(t: 0.01, thetaDeg: 2)])
  }

  /// A writer opening an existing named pipe that nothing reads fails at once; `open` never waits
  /// there (a wait no signal ends). A reader opened 5 s later frees a writer stuck in `open`, so
  /// this fails rather than hangs where the wait comes back.
  @Test func aWriterOntoANamedPipeWithNoReaderFailsAtOnce() throws {
    let dir = try F.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let fifo = dir.appendingPathComponent("p.csv").path
    #expect(mkfifo(fifo, 0o644) == 0)
    freeAWriterWaitingOn(fifo, after: 5)
    let start = Date()
    let e = try #require(throws: RecordingError.self) {
      try RecordingWriter(path: fifo, metadata: RecordingMetadata(), layout: RecordingLayout(imu: true))
    }
    #expect(e.description == "\(fifo): cannot create: a named pipe that nothing reads")
    #expect(Date().timeIntervalSince(start) < 4)
  }

  @Test func thetaTraceWritesAndTruthReaderReadsBack() throws {
    let w = try ThetaTraceWriter(memoryNamed: "t.truth.csv")
    try w.write(t: 0, thetaDeg: 0)
    try w.write(t: 0.005, thetaDeg: 12.34567)
    try w.write(ThetaPoint(t: 0.01, thetaDeg: -3))
    #expect(w.writtenText == "t_s,theta_deg\n0.000000,0.0000\n0.005000,12.3457\n0.010000,-3.0000\n")
    var r = try TruthReader(text: w.writtenText, name: "t.truth.csv")
    var pts: [ThetaPoint] = []
    while let p = try r.next() { pts.append(p) }
    #expect(
      pts == [
        ThetaPoint(t: 0, thetaDeg: 0), ThetaPoint(t: 0.005, thetaDeg: 12.3457),
        ThetaPoint(t: 0.01, thetaDeg: -3),
      ])
    #expect(throws: RecordingError.self) { try w.write(t: 0.02, thetaDeg: .nan) }
    #expect(throws: RecordingError.self) { try w.write(t: 0.01, thetaDeg: 1) }
  }

  @Test func thetaTraceToFile() throws {
    let dir = try F.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("x.trace.csv").path
    let w = try ThetaTraceWriter(path: path)
    for i in 0..<1000 { try w.write(t: Double(i) * 0.01, thetaDeg: sin(Double(i) * 0.01) * 20) }
    try w.close()
    var r = try TruthReader(path: path)
    var n = 0
    while let p = try r.next() {
      #expect(abs(p.thetaDeg - sin(p.t) * 20) < 0.00005 + 1e-9)
      n += 1
    }
    #expect(n == 1000)
  }

  @Test func truthReaderFindsColumnsByNameAndDropsCutLastLine() throws {
    var r = try TruthReader(
      text: "# from the simulator\ntheta_deg,extra,t_s\n1.5,a,0\n\n2.5,b,0.01\n3.5,c", name: "t.csv"
    )
    var pts: [ThetaPoint] = []
    while let p = try r.next() { pts.append(p) }
    #expect(pts == [ThetaPoint(t: 0, thetaDeg: 1.5), ThetaPoint(t: 0.01, thetaDeg: 2.5)])
    #expect(r.notices.first?.kind == .truncatedLastLineDropped)
    #expect(r.notices.first?.line == 6)
  }

  @Test func truthReaderErrorsNameLineAndColumn() {
    func err(_ text: String) -> RecordingError? {
      do {
        var r = try TruthReader(text: text, name: "t.csv")
        while try r.next() != nil {}
        return nil
      } catch { return error }
    }
    let nan = err("t_s,theta_deg\n0,1\n0.1,nan\n")
    #expect(nan?.kind == .notFinite)
    #expect(nan?.line == 3)
    #expect(nan?.column == 2)
    #expect(nan?.columnName == "theta_deg")
    // Finite but no angle: it made the RMSE infinite.
    let huge = err("t_s,theta_deg\n0,1\n0.1,-180\n0.2,1e300\n")
    #expect(huge?.line == 4 && huge?.columnName == "theta_deg")
    #expect(huge?.description.contains("t.csv:4: column 2 (theta_deg): 1e+300 is not an angle") == true)
    let order = err("t_s,theta_deg\n0,1\n0,1\n")
    #expect(order?.kind == .timeNotIncreasing)
    #expect(order?.line == 3)
    let count = err("t_s,theta_deg\n0,1,2\n0.1,1\n")
    #expect(count?.kind == .wrongFieldCount)
    #expect(count?.line == 2)
    #expect(err("t_s\n0\n")?.kind == .missingColumn)
    #expect(err("")?.kind == .empty)
    #expect(err("# only comments\n")?.kind == .missingHeader)
  }
}
