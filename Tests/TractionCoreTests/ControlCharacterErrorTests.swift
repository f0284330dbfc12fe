import Foundation
import Testing

@testable import TractionCore

/// Errors that quote a damaged line show its control characters escaped, never raw on stderr.
@Suite struct ControlCharacterErrorTests {
  func readAll(_ text: String) -> RecordingError? {
    do {
      var r = try RecordingReader(text: text, name: "n.csv")
      while try r.next() != nil {}
      return nil
    } catch {
      return error
    }
  }

  @Test func aLineOfNULBytesIsQuotedEscaped() throws {
    let e = try #require(readAll("# format: traction-recording/1\nt_s,load_n\n0,1\n\0\0\0\0\n0.02,1\n"))
    #expect(e.description == "n.csv:4: column 1 (t_s): '\\0\\0\\0\\0' is not a number")
    let first = try #require(readAll("\0\0\u{1B}[31m\n"))
    #expect(!first.description.unicodeScalars.contains { $0.value < 0x20 }, "\(first)")
    #expect(first.description.hasSuffix("found '\\0\\0\\u{1B}[31m'"), "\(first)")
    let meta = try #require(readAll("# format: traction-recording/1\n# \u{7}bell\nt_s,load_n\n"))
    #expect(meta.description.contains("'# \\u{7}bell'"), "\(meta)")
  }

  @Test func truthAndNumericCSVErrorsToo() throws {
    var again = try TruthReader(text: "t_s,theta_deg\n\t\0,2\n", name: "t.truth.csv")
    do {
      _ = try again.next()
      Issue.record("expected an error")
    } catch {
      #expect(error.description == "t.truth.csv:2: column 1 (t_s): '\\t\\0' is not a number")
    }
    let csv = NumericCSVError.badNumber(path: "b.csv", line: 2, columnIndex: 2, column: "acc_x", text: "\0\r")
    #expect(csv.description == "b.csv:2: column 2 (acc_x): '\\0\\r' is not a number")
    #expect(escapingControlCharacters("plain ° text \\ ok") == "plain ° text \\ ok")
    #expect(escapingControlCharacters("a\u{85}b\u{9F}") == "a\\u{85}b\\u{9F}")
  }
}
