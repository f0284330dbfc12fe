import Acquisition
import Foundation
import Synchronization
import TractionCore

/// Set by SIGINT (Ctrl-C), SIGQUIT (Ctrl-\\), SIGTERM and SIGHUP (the terminal or SSH session went away): the
/// monitor stops at the next sample, flushes the recording, writes its end and prints the
/// summary. An atomic, so the signal handler and the loop share it without a data race.
let stopRequested = Atomic<Bool>(false)

func installStopHandlers() {
  // The global is initialised lazily: first here, not inside a handler.
  _ = stopRequested.load(ordering: .relaxed)
  for sig in [SIGINT, SIGQUIT, SIGTERM, SIGHUP] {
    let previous = signal(sig) { _ in stopRequested.store(true, ordering: .relaxed) }
    // An ignored signal stays ignored: `nohup traction run &` must outlive the SSH session, and a
    // script's background job ignores Ctrl-C. (SIG_IGN is the handler value 1; Swift does not
    // import the macro.)
    if let previous, unsafeBitCast(previous, to: Int.self) == 1 { signal(sig, previous) }
  }
  // A reader that closed our output (`| head -1`) or a file-size limit must not kill the process
  // mid-recording: with these caught, the write fails instead (EPIPE, EFBIG) and is handled
  // where it happens. A do-nothing handler rather than SIG_IGN, because an ignored signal stays
  // ignored in the programs we start (espeak-ng) and a handler does not.
  signal(SIGPIPE) { _ in }
  signal(SIGXFSZ) { _ in }
}

/// What the monitor does with each acquisition event, live or simulated: records it, runs it
/// through the pipeline, coaches. A failing recording is reported at once and recording stops,
/// but the session (and the coaching) go on: nothing already written is lost. `problems` keeps
/// the failure, so the command can exit non-zero after the summary.
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
      record { w throws(RecordingError) in try w.write(s) }
      samples += 1
      if firstT == nil { firstT = s.t }
      lastT = s.t
      let out = analyzer.process(s)
      if let cue = coach.process(out), !quiet { cues.give(cue) }
    case .fault, .recovered, .sensorLost:
      if case .fault = event { faults += 1 }
      if let note = event.recordingNote {
        record { w throws(RecordingError) in try w.writeComment(note) }
        if !quiet, !isRoutine(event) { Console.err("note: \(note)") }
      }
    }
  }

  /// Single faults are retried by the acquisition loop; only losses and recoveries are news.
  private func isRoutine(_ e: AcquisitionEvent) -> Bool {
    if case .fault(let f) = e { return f.consecutive > 1 }
    return false
  }

  private func record(_ body: (RecordingWriter) throws(RecordingError) -> Void) {
    guard let w = writer else { return }
    do {
      try body(w)
    } catch {
      try? w.close()
      writer = nil
      recordingFailed(error)
    }
  }

  /// A write to the recording failed (here or in the simulator's loop): said now, on standard
  /// error, and kept for the summary and the exit status.
  func recordingFailed(_ error: RecordingError) {
    let kept = recordingPath ?? error.file
    let at = firstT == nil ? "before the first sample" : "at t=\(fmt(lastT, 1)) s"
    let line =
      "recording stopped \(at): \(error) (what was written before it is kept in \(kept); "
      + "the session goes on unrecorded)"
    problems.append(line)
    Console.err("error: \(line)")
  }

  /// Closing the recording failed (its last buffered lines could not be written).
  func closingFailed(_ error: RecordingError) {
    let line = "closing the recording: \(error) (the last second of samples may be missing)"
    problems.append(line)
    Console.err("error: \(line)")
  }

  func finish() -> SessionReport {
    if let w = writer {
      writer = nil
      do { try w.close() } catch { closingFailed(error) }
    }
    let summary = analyzer.finish()
    // The counts are the session's; the file says so when it holds less (every problem is a
    // recording that failed).
    let file =
      recordingPath.map { problems.isEmpty ? $0 : "session (the recording \($0) is incomplete, see below)" }
      ?? "session (not recorded; --record FILE keeps it)"
    let facts = RecordingFacts(
      file: file, samples: samples,
      durationS: lastT - (firstT ?? 0),
      rateHz: nil, channels: [], gaps: summary.gaps, gapMissingS: summary.gapSeconds, seqJumps: 0,
      notices: problems)
    return SessionReport(recording: facts, summary: summary)
  }
}
