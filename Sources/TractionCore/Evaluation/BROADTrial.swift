#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// IMU samples at a fixed rate, loaded into memory: the input of evaluations and benchmarks (the
/// streaming core never needs this). Units: gyroscope rad/s, accelerometer m/s², sensor frame.
public struct IMUSeries: Sendable {
  /// Seconds between samples.
  public var dt: Double
  public var gyr: [SIMD3<Double>]
  public var acc: [SIMD3<Double>]
  /// True when the file's last line was cut short (a recording interrupted by a power loss) and
  /// was dropped.
  public var droppedPartialLastLine = false

  public init(dt: Double, gyr: [SIMD3<Double>], acc: [SIMD3<Double>]) {
    self.dt = dt
    self.gyr = gyr
    self.acc = acc
  }

  public var count: Int { min(gyr.count, acc.count) }

  /// Loads the `acc_*`, `gyr_*` and `t_s` columns of a CSV file found by name: a BROAD trial or a
  /// traction recording (its `#` metadata lines are skipped). The sample period is the mean
  /// spacing of `t_s`, which must increase strictly; gaps are not filled (a benchmark does not
  /// care).
  public static func load(path: String) throws(NumericCSVError) -> IMUSeries {
    let csv = try NumericCSV(path: path, wanted: imuColumns, increasing: "t_s")
    let c = csv.columns
    var series = IMUSeries(
      dt: meanPeriod(c[0], path: path),
      gyr: zip3(c[4], c[5], c[6]), acc: zip3(c[1], c[2], c[3]))
    series.droppedPartialLastLine = csv.droppedPartialLastLine
    return series
  }

  static let imuColumns = ["t_s", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
}

/// One BROAD trial (Laidig, Caruso, Cereatti, Seel 2021; CC BY 4.0) in the CSV form described in
/// `shared/datasets/broad/README.md`: IMU samples, the optical ground truth reduced to the vertical
/// it implies, and the mask of scored samples.
public struct BROADTrial: Sendable {
  /// File base name without `.csv`.
  public var name: String
  public var imu: IMUSeries
  /// Ground-truth vertical in the sensor frame, z_S(q) = R(q)ᵀ·(0,0,1) for the sensor-to-ENU
  /// quaternion q; nil where the optical markers were not tracked.
  public var groundTruthUp: [SIMD3<Double>?]
  /// True for samples in a movement phase (the scored ones).
  public var movement: [Bool]

  public init(
    name: String, imu: IMUSeries, groundTruthUp: [SIMD3<Double>?], movement: [Bool]
  ) {
    self.name = name
    self.imu = imu
    self.groundTruthUp = groundTruthUp
    self.movement = movement
  }

  public var count: Int { imu.count }

  /// How long BROAD's IMU samples lag its optical ground truth, in seconds: the prediction time
  /// that minimises the inclination RMSE of `InclinationFilter` over the ten development trials
  /// (about 0.7 of a 3.5 ms sample period; per trial the best value lies between 0.4 and 1 period).
  /// A property of the recording rig (the IMU's filters and the synchronisation), the same for
  /// every BROAD trial; pass it as `InclinationFilter.Parameters.latency` when scoring on BROAD.
  public static let imuLatency = 0.0025

  static let columns =
    IMUSeries.imuColumns + ["gt_qw", "gt_qx", "gt_qy", "gt_qz", "movement"]

  /// Reads a BROAD CSV file. Ground-truth quaternions may be `nan` (all four); IMU values may not;
  /// `t_s` must increase strictly.
  public static func load(path: String) throws(NumericCSVError) -> BROADTrial {
    let csv = try NumericCSV(
      path: path, wanted: columns, nanAllowed: ["gt_qw", "gt_qx", "gt_qy", "gt_qz"], increasing: "t_s")
    let c = csv.columns
    let n = c[0].count
    var up: [SIMD3<Double>?] = []
    up.reserveCapacity(n)
    var movement: [Bool] = []
    movement.reserveCapacity(n)
    for k in 0..<n {
      up.append(verticalInSensorFrame(w: c[7][k], x: c[8][k], y: c[9][k], z: c[10][k]))
      movement.append(c[11][k] != 0)
    }
    var imu = IMUSeries(
      dt: meanPeriod(c[0], path: path),
      gyr: zip3(c[4], c[5], c[6]), acc: zip3(c[1], c[2], c[3]))
    imu.droppedPartialLastLine = csv.droppedPartialLastLine
    return BROADTrial(name: baseName(path), imu: imu, groundTruthUp: up, movement: movement)
  }

  /// The `.csv` files of a directory in name order (the BROAD trials).
  public static func trialPaths(in directory: String) throws(NumericCSVError) -> [String] {
    try listCSVFiles(directory)
  }
}

/// z_S(q) = R(q)ᵀ·(0,0,1) for a sensor-to-earth quaternion (w, x, y, z), normalized first; nil if
/// any component is not finite or the quaternion is zero.
public func verticalInSensorFrame(w: Double, x: Double, y: Double, z: Double) -> SIMD3<Double>? {
  let n2 = w * w + x * x + y * y + z * z
  guard n2.isFinite, n2 > 0 else { return nil }
  let s = 2 / n2
  // Third row of the rotation matrix of q.
  return SIMD3(s * (x * z - w * y), s * (y * z + w * x), 1 - s * (x * x + y * y))
}

private func zip3(_ x: [Double], _ y: [Double], _ z: [Double]) -> [SIMD3<Double>] {
  var out: [SIMD3<Double>] = []
  out.reserveCapacity(x.count)
  for k in x.indices { out.append(SIMD3(x[k], y[k], z[k])) }
  return out
}

/// Mean sample spacing, (t_last − t_first)/(N − 1); the README's rate recovery.
private func meanPeriod(_ t: [Double], path: String) -> Double {
  guard t.count > 1, let first = t.first, let last = t.last, last > first else { return 0 }
  return (last - first) / Double(t.count - 1)
}

func baseName(_ path: String) -> String {
  let file = path.split(separator: "/").last.map(String.init) ?? path
  return file.hasSuffix(".csv") ? String(file.dropLast(4)) : file
}

private func listCSVFiles(_ directory: String) throws(NumericCSVError) -> [String] {
  guard let dir = opendir(directory) else {
    throw .cannotRead(path: directory, reason: String(cString: strerror(errno)))
  }
  defer { closedir(dir) }
  var names: [String] = []
  while let entry = readdir(dir) {
    let name = withUnsafePointer(to: entry.pointee.d_name) {
      $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
    }
    if name.hasSuffix(".csv") && !name.hasPrefix(".") { names.append(name) }
  }
  let prefix = directory.hasSuffix("/") ? directory : directory + "/"
  return names.sorted().map { prefix + $0 }
}
