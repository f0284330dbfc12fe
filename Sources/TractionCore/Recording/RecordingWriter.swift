/// Writes a version-1 recording: the format line, the metadata, the header, then one line per
/// sample with a fixed number of decimals per column (see `docs/recording-format.md`):
///
/// | column | decimals |
/// | --- | --- |
/// | `t_s` | 6 (1 µs) |
/// | `acc*` | 5 (10 µm/s²) |
/// | `gyr*` | 6 (1 µrad/s) |
/// | `load_n`, `squeeze_n` | 3 (1 mN) |
/// | `seq` | integer |
///
/// Lines are buffered and handed to the kernel at least once per second of sample time (and
/// whenever 32 KiB are pending), so a power loss costs about a second of data; `syncOnFlush`
/// also forces them to the disk. The writer never writes a value the reader would reject: nan,
/// infinity, a missing value or a time that does not increase at the written precision throw.
public final class RecordingWriter {
  /// The file's path, or the in-memory name.
  public var name: String { sink.name }
  public let metadata: RecordingMetadata
  public let layout: RecordingLayout
  /// Seconds of sample time between flushes.
  public let flushInterval: Double
  /// Samples written so far.
  public private(set) var sampleCount = 0

  private let sink: ByteSink
  private let slots: [ColumnID]
  private var lastT: Int64? = nil
  private var lastFlushT: Double? = nil
  static let flushBytes = 1 << 15
  /// Room for the longest line: every known column once, each at most `FixedFormatter.maxLength`.
  static let maxLineLength = ColumnID.allCases.count * (FixedFormatter.maxLength + 1) + 1

  /// Creates `path` and writes the metadata and header at once. A recording is a session that
  /// cannot be done again, so an existing file is refused (`.alreadyExists`, the file untouched)
  /// unless `replaceExisting` says to truncate it (regenerable output such as `simulate --out`).
  public convenience init(
    path: String, metadata: RecordingMetadata, layout: RecordingLayout,
    flushInterval: Double = 1.0, syncOnFlush: Bool = false, replaceExisting: Bool = false
  ) throws(RecordingError) {
    let slots = try Self.validate(name: path, metadata: metadata, layout: layout)
    let sink = try ByteSink(path: path, syncOnFlush: syncOnFlush, replaceExisting: replaceExisting)
    try self.init(
      sink: sink, slots: slots, metadata: metadata, layout: layout, flushInterval: flushInterval)
  }

  /// Writes to memory (for tests and tools); read the result with `writtenBytes`/`writtenText`.
  public convenience init(
    memoryNamed name: String, metadata: RecordingMetadata, layout: RecordingLayout
  ) throws(RecordingError) {
    let slots = try Self.validate(name: name, metadata: metadata, layout: layout)
    try self.init(
      sink: ByteSink(memoryNamed: name), slots: slots, metadata: metadata, layout: layout,
      flushInterval: 1.0)
  }

  private init(
    sink: ByteSink, slots: [ColumnID], metadata: RecordingMetadata, layout: RecordingLayout,
    flushInterval: Double
  ) throws(RecordingError) {
    self.sink = sink
    self.slots = slots
    self.metadata = metadata
    self.layout = layout
    self.flushInterval = flushInterval
    var head = RecordingMetadata.formatLine + "\n"
    for e in metadata.entries { head += "# \(e.key): \(e.value)\n" }
    head += layout.headerLine + "\n"
    sink.buffer.append(contentsOf: head.utf8)
    try sink.flush()
  }

  private static func validate(
    name: String, metadata: RecordingMetadata, layout: RecordingLayout
  ) throws(RecordingError) -> [ColumnID] {
    var keys: Set<String> = []
    for e in metadata.entries {
      if let p = RecordingMetadata.problem(key: e.key, value: e.value) {
        throw RecordingError(.badMetadata, file: name, reason: p)
      }
      if !keys.insert(e.key).inserted {
        throw RecordingError(
          .badMetadata, file: name, reason: "metadata key '\(e.key)' appears twice")
      }
    }
    // Re-check the layout's rules (a flag-built layout may have no IMU and no load cell).
    _ = try RecordingLayout(columns: layout.columns, file: name)
    var slots: [ColumnID] = []
    for (i, c) in layout.columns.enumerated() {
      guard let id = ColumnID(name: c) else {
        throw RecordingError(
          .unknownColumn, file: name, column: i + 1, columnName: c,
          reason: "the writer has no value for this column (use layout.withoutUnknownColumns)")
      }
      slots.append(id)
    }
    return slots
  }

  /// The bytes written so far by an in-memory writer (flushed first); empty for a file.
  public var writtenBytes: [UInt8] {
    try? sink.flush()
    return sink.memoryBytes
  }

  public var writtenText: String { String(decoding: writtenBytes, as: UTF8.self) }

  /// Appends one sample. Values the layout has no column for are not written.
  public func write(_ sample: Sample) throws(RecordingError) {
    try sink.checkOpen()
    let line = sampleCount + 1
    guard abs(sample.t) < Sample.timeLimitSeconds, let q = FixedFormatter.scaled(sample.t, decimals: 6)
    else {
      throw bad(line, .t, "time \(sample.t) is not finite or beyond 4e9 s")
    }
    // Strictly increasing at the written precision, or a reader would reject the file.
    if let lastT, q <= lastT {
      throw RecordingError(
        .timeNotIncreasing, file: name, column: 1, columnName: "t_s",
        reason:
          "sample \(line): t_s \(sample.t) does not increase after the previous sample at 1 µs precision"
      )
    }
    // Format the whole line on the stack, then append it at once: nothing half-written.
    let failure: RecordingError? = withUnsafeTemporaryAllocation(
      of: UInt8.self, capacity: Self.maxLineLength
    ) { tmp in
      guard let p = tmp.baseAddress else { return nil }
      var n = 0
      for k in 0..<slots.count {
        let id = slots[k]
        if k > 0 {
          p[n] = UInt8(ascii: ",")
          n += 1
        }
        if id == .seq {
          guard let s = sample.seq else {
            return bad(line, id, "the layout has seq but the sample has none")
          }
          n += FixedFormatter.writeScaled(s, decimals: 0, to: p + n)
          continue
        }
        let v: Double
        do throws(RecordingError) {
          v = try value(of: id, in: sample, line: line)
        } catch {
          return error
        }
        guard v.isFinite else { return bad(line, id, "\(v) is not a valid sample value") }
        n += FixedFormatter.write(v, decimals: id.decimals, to: p + n)
      }
      p[n] = 0x0A
      n += 1
      sink.buffer.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
      return nil
    }
    if let failure { throw failure }
    sampleCount += 1
    // Only a sample written whole moves the time on.
    lastT = q
    let since = lastFlushT.map { sample.t - $0 } ?? 0
    if lastFlushT == nil { lastFlushT = sample.t }
    if since >= flushInterval || sink.buffer.count >= Self.flushBytes {
      lastFlushT = sample.t
      try sink.flush()
    }
  }

  @inline(__always)
  private func value(of id: ColumnID, in s: Sample, line: Int) throws(RecordingError) -> Double {
    switch id {
    case .t: return s.t
    case .accX, .accY, .accZ, .gyrX, .gyrY, .gyrZ:
      guard let imu = s.imu else {
        throw bad(line, id, "the layout has an IMU but the sample has none")
      }
      switch id {
      case .accX: return imu.acc.x
      case .accY: return imu.acc.y
      case .accZ: return imu.acc.z
      case .gyrX: return imu.gyr.x
      case .gyrY: return imu.gyr.y
      default: return imu.gyr.z
      }
    case .acc2X, .acc2Y, .acc2Z, .gyr2X, .gyr2Y, .gyr2Z:
      guard let imu = s.imu2 else {
        throw bad(line, id, "the layout has a second IMU but the sample has none")
      }
      switch id {
      case .acc2X: return imu.acc.x
      case .acc2Y: return imu.acc.y
      case .acc2Z: return imu.acc.z
      case .gyr2X: return imu.gyr.x
      case .gyr2Y: return imu.gyr.y
      default: return imu.gyr.z
      }
    case .load:
      guard let v = s.loadN else {
        throw bad(line, id, "the layout has load_n but the sample has none")
      }
      return v
    case .squeeze:
      guard let v = s.squeezeN else {
        throw bad(line, id, "the layout has squeeze_n but the sample has none")
      }
      return v
    case .seq: return 0
    }
  }

  private func bad(_ sampleNumber: Int, _ id: ColumnID, _ why: String) -> RecordingError {
    let col = slots.firstIndex(of: id).map { $0 + 1 }
    return RecordingError(
      .invalidSample, file: name, column: col, columnName: id.name,
      reason: "sample \(sampleNumber): \(why)")
  }

  /// Writes a `# text` line between samples: a note a person can read in the file (a sensor
  /// fault, a reconnection) that readers skip. Use the `key: value` style, for example
  /// `fault: t=12.345000 imu: …`. A line break in `text` would end the note early and turn the
  /// rest into a malformed sample line, so it throws.
  public func writeComment(_ text: String) throws(RecordingError) {
    try sink.checkOpen()
    for u in text.utf8 where u == 0x0A || u == 0x0D {
      throw RecordingError(
        .badMetadata, file: name,
        reason: "a comment line must not contain a line break: '\(text.prefix(60))'")
    }
    sink.buffer.append(contentsOf: "# ".utf8)
    sink.buffer.append(contentsOf: text.utf8)
    sink.buffer.append(0x0A)
    if sink.buffer.count >= Self.flushBytes { try sink.flush() }
  }

  /// Hands everything buffered to the kernel (and the disk with `syncOnFlush`).
  public func flush() throws(RecordingError) { try sink.flush() }

  /// Flushes, syncs and closes the file. Further writes throw `.closed`.
  public func close() throws(RecordingError) { try sink.close() }
}
