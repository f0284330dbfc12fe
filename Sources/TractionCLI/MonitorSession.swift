import Acquisition
import Foundation
import Synchronization
import TractionCore

/// Set by SIGINT/SIGTERM: the monitor stops at the next sample, flushes the recording and prints
/// the summary. An atomic, so the signal handler and the loop share it without a data race.
let stopRequested = Atomic<Bool>(false)

func installStopHandlers() {
  signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
  signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
}

/// What the monitor does with each acquisition event, live or simulated: records it, runs it
/// through the pipeline, coaches. A failing recording is reported and recording stops, but the
/// session (and the coaching) go on: nothing already written is lost.
final class MonitorSession {
  private var analyzer = RecordingAnalysis.makeAnalyzer()
  private var coach = Coach()
  private var writer: RecordingWriter?
  let recordingPath: String?
  private let cues: CueOutput
  private let quiet: Bool
  private(set) var problems: [String] = []
  private(set) var faults = 0
  private(set) var samples = 0
  private var firstT: Double?
  private var lastT = 0.0

  init(writer: RecordingWriter?, recordingPath: String?, cues: CueOutput, quiet: Bool) {
    self.writer = writer
    self.recordingPath = recordingPath
    self.cues = cues
    self.quiet = quiet
  }

  func handle(_ event: AcquisitionEvent) {
    switch event {
    case .sample(let s):
      record { w in try w.write(s) }
      samples += 1
      if firstT == nil { firstT = s.t }
      lastT = s.t
      let out = analyzer.process(s)
      if let cue = coach.process(out), !quiet { cues.give(cue) }
    case .fault, .recovered, .sensorLost:
      if case .fault = event { faults += 1 }
      if let note = event.recordingNote {
        record { w in try w.writeComment(note) }
        if !quiet, !isRoutine(event) { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
      }
    }
  }

  /// Single faults are retried by the acquisition loop; only losses and recoveries are news.
  private func isRoutine(_ e: AcquisitionEvent) -> Bool {
    if case .fault(let f) = e { return f.consecutive > 1 }
    return false
  }

  private func record(_ body: (RecordingWriter) throws -> Void) {
    guard let w = writer else { return }
    do {
      try body(w)
    } catch {
      problems.append("recording stopped: \(error) (everything before it is kept in \(recordingPath ?? "the file"))")
      try? w.close()
      writer = nil
    }
  }

  func finish() -> SessionReport {
    if let w = writer {
      do { try w.close() } catch { problems.append("closing the recording: \(error)") }
    }
    let summary = analyzer.finish()
    let facts = RecordingFacts(
      file: recordingPath ?? "session (not recorded; --record FILE keeps it)", samples: samples,
      durationS: lastT - (firstT ?? 0),
      rateHz: nil, channels: [], gaps: summary.gaps, gapMissingS: summary.gapSeconds, seqJumps: 0,
      notices: problems)
    return SessionReport(recording: facts, summary: summary)
  }
}
