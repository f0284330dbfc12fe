/// The `# key: value` lines of a recording, in file order. Unknown keys are kept so a recording
/// read and written again loses nothing. The `format` line is not an entry: writers always emit
/// it first and readers check it.
public struct RecordingMetadata: Sendable, Equatable {
  public struct Entry: Sendable, Equatable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
      self.key = key
      self.value = value
    }
  }

  /// The first line of every version-1 recording.
  public static let formatLine = "# format: traction-recording/1"
  public static let formatName = "traction-recording"
  public static let formatVersion = 1

  /// The known keys, as written in the file.
  public enum Key {
    public static let rateHz = "rate_hz"
    public static let sensor = "sensor"
    public static let placement = "placement"
    public static let started = "started"
    public static let accelRangeG = "accel_range_g"
    public static let gyroRangeDps = "gyro_range_dps"
    public static let profile = "profile"
    public static let note = "note"
  }

  /// All entries in file order, unknown keys included.
  public private(set) var entries: [Entry]

  public init(entries: [Entry] = []) {
    self.entries = entries
  }

  public init(
    rateHz: Double? = nil, sensor: String? = nil, placement: String? = nil, started: String? = nil,
    accelRangeG: Double? = nil, gyroRangeDps: Double? = nil, profile: String? = nil,
    note: String? = nil
  ) {
    entries = []
    self.rateHz = rateHz
    self.sensor = sensor
    self.placement = placement
    self.started = started
    self.accelRangeG = accelRangeG
    self.gyroRangeDps = gyroRangeDps
    self.profile = profile
    self.note = note
  }

  /// The value of `key`; setting replaces it in place, appends a new key, or removes it (nil).
  public subscript(key: String) -> String? {
    get { entries.first(where: { $0.key == key })?.value }
    set {
      if let i = entries.firstIndex(where: { $0.key == key }) {
        if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
      } else if let newValue {
        entries.append(Entry(key: key, value: newValue))
      }
    }
  }

  /// Appends a key the caller knows is not there yet (the reader checks with a set: a file may
  /// hold many keys, and a search per key would make reading its header quadratic).
  mutating func appendNew(key: String, value: String) {
    entries.append(Entry(key: key, value: value))
  }

  /// Nominal sample rate, Hz.
  public var rateHz: Double? {
    get { self[Key.rateHz].flatMap(Self.positiveNumber) }
    set { self[Key.rateHz] = newValue.map(Self.text) }
  }
  /// Chip model, e.g. `mpu6050`.
  public var sensor: String? {
    get { self[Key.sensor] }
    set { self[Key.sensor] = newValue }
  }
  /// `upper-back`, `sacrum`, `elbow-platform`, or free text.
  public var placement: String? {
    get { self[Key.placement] }
    set { self[Key.placement] = newValue }
  }
  /// ISO 8601 wall-clock time of the first sample, as written (not parsed, to keep the core free
  /// of calendar code).
  public var started: String? {
    get { self[Key.started] }
    set { self[Key.started] = newValue }
  }
  /// Accelerometer full-scale range, g.
  public var accelRangeG: Double? {
    get { self[Key.accelRangeG].flatMap(Self.positiveNumber) }
    set { self[Key.accelRangeG] = newValue.map(Self.text) }
  }
  /// Gyroscope full-scale range, degrees per second.
  public var gyroRangeDps: Double? {
    get { self[Key.gyroRangeDps].flatMap(Self.positiveNumber) }
    set { self[Key.gyroRangeDps] = newValue.map(Self.text) }
  }
  /// Name of the calibration profile in force.
  public var profile: String? {
    get { self[Key.profile] }
    set { self[Key.profile] = newValue }
  }
  /// Free text.
  public var note: String? {
    get { self[Key.note] }
    set { self[Key.note] = newValue }
  }

  /// Keys whose value must be a positive finite number.
  static let numericKeys: Set<String> = [Key.rateHz, Key.accelRangeG, Key.gyroRangeDps]

  static func positiveNumber(_ s: String) -> Double? {
    var s = s
    let r = s.withUTF8 { DecimalParser.parse($0) }
    guard case .value(let v) = r, v > 0 else { return nil }
    return v
  }

  /// `200` rather than `200.0` for whole numbers.
  static func text(_ v: Double) -> String {
    if v.isFinite, v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    return String(v)
  }

  /// Why `key: value` cannot be written as one metadata line, or nil when it can.
  static func problem(key: String, value: String) -> String? {
    if key.isEmpty { return "empty metadata key" }
    if key == "format" { return "'format' is written by the writer itself" }
    for u in key.utf8 where u == UInt8(ascii: ":") || u <= 0x20 || u == 0x7F {
      return "metadata key '\(key)' must not contain ':', spaces or control characters"
    }
    for u in value.utf8 where u == 0x0A || u == 0x0D {
      return "metadata value of '\(key)' must not contain a line break"
    }
    return numericProblem(key: key, value: value)
  }

  /// The largest value each numeric key may have: far beyond any sensor (an IMU samples at most
  /// a few kHz, ±16 g, ±2000 °/s), so a larger one is a slip, not a setting.
  static let numericLimits: [String: Double] = [
    Key.rateHz: 100_000, Key.accelRangeG: 1_000, Key.gyroRangeDps: 100_000,
  ]

  /// Why `value` cannot be the value of numeric key `key`, or nil (also for other keys).
  static func numericProblem(key: String, value: String) -> String? {
    guard numericKeys.contains(key) else { return nil }
    guard let v = positiveNumber(value) else {
      return "metadata '\(key)' must be a positive number, not '\(value)'"
    }
    if let limit = numericLimits[key], v > limit {
      return "metadata '\(key)' is \(value), beyond the largest plausible \(text(limit))"
    }
    return nil
  }
}

/// The columns a recording has, in file order. Built from flags for writing (canonical order) or
/// from a header when reading (any order, unknown names kept but ignored).
public struct RecordingLayout: Sendable, Equatable {
  /// Column names in file order, unknown ones included.
  public private(set) var columns: [String]

  public private(set) var hasIMU: Bool
  public private(set) var hasIMU2: Bool
  public private(set) var hasLoad: Bool
  public private(set) var hasSqueeze: Bool
  public private(set) var hasSeq: Bool

  /// A layout in the canonical order: `t_s`, `acc_*`, `gyr_*`, `acc2_*`, `gyr2_*`, `load_n`,
  /// `squeeze_n`, `seq`. Whether it is a valid recording (an IMU or a load cell) is checked by
  /// the writer.
  public init(
    imu: Bool = true, imu2: Bool = false, load: Bool = false, squeeze: Bool = false,
    seq: Bool = false
  ) {
    var c: [String] = ["t_s"]
    if imu { c += ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"] }
    if imu2 { c += ["acc2_x", "acc2_y", "acc2_z", "gyr2_x", "gyr2_y", "gyr2_z"] }
    if load { c.append("load_n") }
    if squeeze { c.append("squeeze_n") }
    if seq { c.append("seq") }
    columns = c
    hasIMU = imu
    hasIMU2 = imu2
    hasLoad = load
    hasSqueeze = squeeze
    hasSeq = seq
  }

  /// A layout from header names in any order; checks the rules of the format (t_s present, IMU
  /// axes complete, an IMU or load_n, no duplicates). Errors name `file` and `line`.
  public init(columns: [String], file: String = "layout", line: Int? = nil) throws(RecordingError) {
    var seen = [Bool](repeating: false, count: ColumnID.allCases.count)
    var names: [String] = []
    for (i, name) in columns.enumerated() {
      if name.isEmpty {
        throw RecordingError(
          .badHeader, file: file, line: line, column: i + 1, reason: "empty column name")
      }
      if names.contains(name) {
        throw RecordingError(
          .duplicateColumn, file: file, line: line, column: i + 1, columnName: name,
          reason: "column '\(name)' appears twice")
      }
      names.append(name)
      if let id = ColumnID(name: name) { seen[Int(id.rawValue)] = true }
    }
    func has(_ id: ColumnID) -> Bool { seen[Int(id.rawValue)] }
    guard has(.t) else {
      throw RecordingError(
        .missingColumn, file: file, line: line, columnName: "t_s",
        reason: "required column is missing")
    }
    func completeSet(_ ids: [ColumnID], what: String) throws(RecordingError) -> Bool {
      let present = ids.filter(has)
      if present.isEmpty { return false }
      if present.count < ids.count, let missing = ids.first(where: { !has($0) }) {
        throw RecordingError(
          .missingColumn, file: file, line: line, columnName: missing.name,
          reason:
            "\(what) needs all of \(ids.map(\.name).joined(separator: ",")); this one is missing")
      }
      return true
    }
    let imu = try completeSet(ColumnID.imu1, what: "the IMU")
    let imu2 = try completeSet(ColumnID.imu2, what: "the second IMU")
    if imu2 && !imu {
      throw RecordingError(
        .missingColumn, file: file, line: line, columnName: "acc_x",
        reason: "a second IMU (acc2_*, gyr2_*) needs the first IMU (acc_*, gyr_*)")
    }
    let load = has(.load)
    if !imu && !load {
      throw RecordingError(
        .missingColumn, file: file, line: line,
        reason: "a recording needs an IMU (acc_*, gyr_*) or a load cell (load_n)")
    }
    self.columns = names
    hasIMU = imu
    hasIMU2 = imu2
    hasLoad = load
    hasSqueeze = has(.squeeze)
    hasSeq = has(.seq)
  }

  /// Column names the format does not define (a reader ignores their values).
  public var unknownColumns: [String] { columns.filter { ColumnID(name: $0) == nil } }

  /// The same layout without unknown columns, e.g. to rewrite a read recording.
  public var withoutUnknownColumns: RecordingLayout {
    var l = self
    l.columns = columns.filter { ColumnID(name: $0) != nil }
    return l
  }

  /// The header line, without newline.
  public var headerLine: String { columns.joined(separator: ",") }
}

/// The columns the format defines. The raw value indexes per-column scratch storage.
enum ColumnID: UInt8, CaseIterable, Sendable {
  case t
  case accX, accY, accZ, gyrX, gyrY, gyrZ
  case acc2X, acc2Y, acc2Z, gyr2X, gyr2Y, gyr2Z
  case load, squeeze, seq

  static let imu1: [ColumnID] = [.accX, .accY, .accZ, .gyrX, .gyrY, .gyrZ]
  static let imu2: [ColumnID] = [.acc2X, .acc2Y, .acc2Z, .gyr2X, .gyr2Y, .gyr2Z]

  var name: String {
    switch self {
    case .t: "t_s"
    case .accX: "acc_x"
    case .accY: "acc_y"
    case .accZ: "acc_z"
    case .gyrX: "gyr_x"
    case .gyrY: "gyr_y"
    case .gyrZ: "gyr_z"
    case .acc2X: "acc2_x"
    case .acc2Y: "acc2_y"
    case .acc2Z: "acc2_z"
    case .gyr2X: "gyr2_x"
    case .gyr2Y: "gyr2_y"
    case .gyr2Z: "gyr2_z"
    case .load: "load_n"
    case .squeeze: "squeeze_n"
    case .seq: "seq"
    }
  }

  init?(name: String) {
    guard let id = ColumnID.allCases.first(where: { $0.name == name }) else { return nil }
    self = id
  }

  /// Decimals the writer uses: time to the microsecond, acceleration to 10 µm/s² (below any
  /// MEMS noise floor), rates to a µrad/s, forces to a mN.
  var decimals: Int {
    switch self {
    case .t: 6
    case .accX, .accY, .accZ, .acc2X, .acc2Y, .acc2Z: 5
    case .gyrX, .gyrY, .gyrZ, .gyr2X, .gyr2Y, .gyr2Z: 6
    case .load, .squeeze: 3
    case .seq: 0
    }
  }
}
