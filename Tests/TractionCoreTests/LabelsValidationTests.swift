import Testing

@testable import TractionCore

/// `NAME.labels.json` errors name the file and where: the line and column of a JSON syntax error,
/// the entry of a value that cannot describe a recording.
@Suite struct LabelsValidationTests {
  func error(_ json: String) -> RecordingError? {
    do {
      _ = try SessionLabels.decode(Array(json.utf8), name: "a.labels.json")
      return nil
    } catch {
      return error
    }
  }

  @Test func syntaxErrorsCarryLineAndColumn() throws {
    let e = try #require(
      error("{\n \"reps\": [\n  {\"start\": 1, \"end\": 2, \"peak_deg\": 3},\n  {\"start\": 1 \"end\": 2}\n ]\n}\n"))
    #expect(e.kind == .badJSON)
    #expect(e.line == 4 && e.column == 15, "\(e)")
    #expect(e.description.hasPrefix("a.labels.json:4: column 15: not valid JSON"), "\(e)")
    let cut = try #require(error("{\"reps\": [\n{\"start\": 1"))
    #expect(cut.line == 2, "\(cut)")
    let huge = try #require(
      error("{\"holds\": [\n{\"start\": 1, \"end\": 2, \"kind\": \"top\",\n \"mean_deg\": 1e999}]}"))
    #expect(huge.line == 3 && huge.column == 14, "\(huge)")
    let nan = try #require(error("{\"reps\": [{\"start\": NaN, \"end\": 2, \"peak_deg\": 1}]}"))
    #expect(nan.line == 1 && nan.column == 21, "\(nan)")
    // "Unescaped control character around character N": the offset is the one after "around".
    let control = try #require(error("{\"variant_per_rep\": [\n\"ba\u{1}sic\"]}"))
    #expect(control.line == 2, "\(control)")
  }

  @Test(arguments: [
    (
      "{\"holds\": [{\"start\": 1, \"end\": 2, \"kind\": \"top\", \"mean_deg\": 1}, {\"start\": 1, \"end\": 2, \"kind\": \"top\", \"mean_deg\": 1}, {\"start\": 5.0, \"end\": 3.1, \"kind\": \"top\", \"mean_deg\": 1}]}",
      "a.labels.json: holds[2]: end 3.1 s is before start 5.0 s"
    ),
    (
      "{\"reps\": [{\"start\": 9, \"end\": 2, \"peak_deg\": 1}]}",
      "a.labels.json: reps[0]: end 2.0 s is before start 9.0 s"
    ),
    (
      "{\"reps\": [{\"start\": -1, \"end\": 2, \"peak_deg\": 1}]}",
      "a.labels.json: reps[0]: start -1.0 s is not a time in the recording (seconds from 0)"
    ),
    (
      "{\"breath_steps\": [{\"t\": -0.5, \"rise_deg\": 2}]}",
      "a.labels.json: breath_steps[0]: t -0.5 s is not a time in the recording (seconds from 0)"
    ),
    (
      "{\"holds\": [{\"start\": 1, \"end\": 2, \"kind\": \"plank\", \"mean_deg\": 1}]}",
      "a.labels.json: holds[0].kind: unknown hold kind 'plank' (expected traction, step or top)"
    ),
    (
      "{\"variant_per_rep\": [\"basic\", \"fancy\"]}",
      "a.labels.json: variant_per_rep[1]: unknown variant 'fancy' (expected basic or anchored)"
    ),
  ])
  func entriesThatCannotDescribeARecordingAreRejected(json: String, message: String) throws {
    let e = try #require(error(json))
    #expect(e.description == message)
  }

  /// A byte that is not UTF-8 is named by its offset and its line and column (Foundation's own
  /// message counts from somewhere else and gives no line).
  @Test func invalidUTF8NamesTheByteAndWhereItIs() throws {
    func error(_ bytes: [UInt8]) -> RecordingError? {
      do {
        _ = try SessionLabels.decode(bytes, name: "a.labels.json")
        return nil
      } catch {
        return error
      }
    }
    let e = try #require(error(Array("{\"re".utf8) + [0xFF] + Array("ps\":[]}".utf8)))
    #expect(e.description == "a.labels.json:1: column 5: not valid JSON: byte 4 (0xFF) is not UTF-8")
    // A cut-short sequence on line 3, after a valid two-byte character on the same line.
    let cut = try #require(error(Array("{\n \"reps\": [],\n \"é\": \"".utf8) + [0xC3] + Array("\"}".utf8)))
    #expect(cut.line == 3 && cut.column == 8, "\(cut)")
    #expect(cut.reason.contains("byte 23 (0xC3)"), "\(cut)")
  }

  /// A number that underflows a Double (1e-400) is refused by the decoder without a reason: the
  /// error says which number, where, and why.
  @Test func aNumberThatUnderflowsIsNamedWithLineAndColumn() throws {
    let e = try #require(error("{\"reps\":[{\"start\":1e-400,\"end\":2,\"peak_deg\":1}]}"))
    #expect(e.line == 1 && e.column == 19, "\(e)")
    #expect(e.reason.contains("number 1e-400 is too small for a Double (it underflows"), "\(e)")
    // Text inside strings is not a number; the one on line 2 is.
    let second = try #require(
      error(
        "{\"variant_per_rep\": [\"basic\"], \"x\": \"1e-999\",\n"
          + "\"holds\": [{\"start\": 0, \"end\": 2e-324, \"kind\": \"top\", \"mean_deg\": 1}]}"))
    #expect(second.line == 2 && second.column == 31, "\(second)")
    #expect(second.reason.contains("2e-324"), "\(second)")
    // Zero written with an exponent, and the smallest subnormal, are numbers.
    #expect(error("{\"reps\":[{\"start\":0e-400,\"end\":4.9e-324,\"peak_deg\":1}]}") == nil)
  }

  @Test func nonFiniteValuesBuiltInCodeAreReported() {
    let labels = SessionLabels(holds: [Hold(start: 1, end: .nan, kind: .top, meanDeg: 1)])
    #expect(labels.problem() == "holds[0]: end nan s is not a time in the recording (seconds from 0)")
    #expect(SessionLabels(reps: [Rep(start: 1, end: 1, peakDeg: 9)]).problem() == nil)
  }
}
