import Foundation
import HAL
import LinuxHAL
import SensorDrivers

/// The sensors found on this machine, set up and ready for `SensorAcquisition`.
struct DetectedRig {
  var imu: (any IMUDriver)?
  var imu2: (any IMUDriver)?
  var load: (any LoadCellDriver)?
  /// One line per sensor found: chip, where, how configured.
  var found: [String] = []
  /// One line per place looked at that gave nothing, and why (for `--verbose` and errors).
  /// Each starts with the place: the bus path, or `HX711 on CHIP`.
  var looked: [String] = []
  /// How many of the sensors taken come from each bus.
  var sensorsOnBus: [String: Int] = [:]
  /// Whether the HX711 `--hx711` named was started.
  var hx711Found = false
  /// Buses not probed because every sensor the monitor can use was found before them.
  var skippedBuses: Set<String> = []

  var isEmpty: Bool { imu == nil && imu2 == nil && load == nil }

  /// What the user named and did not get, one line each with why: a `--bus` that gave no
  /// sensor, an `--hx711` that did not start. A user who plugged in two sensors and named them
  /// wants to hear that one is missing before the session, not to find a recording without it.
  func unmet(buses: [String], hx711: HX711Wiring?) -> [String] {
    var out: [String] = []
    for bus in Self.unique(buses) where (sensorsOnBus[bus] ?? 0) == 0 && !skippedBuses.contains(bus) {
      let why = looked.filter { $0.hasPrefix(bus + ":") || $0.hasPrefix(bus + " ") }
      out.append("--bus \(bus): no sensor: " + (why.isEmpty ? "nothing answered" : why.joined(separator: "; ")))
    }
    if let w = hx711, !hx711Found {
      let why = looked.filter { $0.hasPrefix(w.place) }
      out.append(
        "--hx711 \(w.argument): " + (why.isEmpty ? "the HX711 did not start" : why.joined(separator: "; ")))
    }
    return out
  }

  /// `paths` without repeats, in their order.
  static func unique(_ paths: [String]) -> [String] {
    var seen: Set<String> = []
    return paths.filter { seen.insert($0).inserted }
  }
}

/// Where an HX711 is wired: `gpiochip0:5:6` (chip, PD_SCK offset, DOUT offset).
struct HX711Wiring: Equatable {
  var chip: String
  var clockOffset: UInt32
  var dataOffset: UInt32

  /// The option's value as the user gave it (repeated back in messages).
  var argument: String
  /// How `looked` and `found` name it.
  var place: String { "HX711 on \(chip) lines \(clockOffset)/\(dataOffset)" }

  init?(argument: String) {
    let parts = argument.split(separator: ":").map(String.init)
    guard parts.count == 3, let c = UInt32(parts[1]), let d = UInt32(parts[2]), c != d else { return nil }
    self.argument = argument
    chip = parts[0].hasPrefix("/") ? parts[0] : "/dev/" + parts[0]
    clockOffset = c
    dataOffset = d
  }
}

/// Looks for the supported chips on the I2C buses (and an HX711 where the user says it is wired),
/// configures each through its real driver, and reports what it found and where it looked.
/// Nothing here aborts: a bus that cannot be opened or a chip that does not answer is a line in
/// `looked`; the command decides (`DetectedRig.unmet`) whether what the user named is missing.
enum HardwareProbe {
  static let imuAddresses: [UInt8] = [0x68, 0x69, 0x6A, 0x6B]

  static func probe(
    buses requested: [String], request: IMUConfigurationRequest, hx711: HX711Wiring?,
    loadCalibration: LoadCellCalibration, clock: SystemClock
  ) -> DetectedRig {
    var rig = DetectedRig()
    guard LinuxHardwareSupport.isAvailable else {
      rig.looked.append(LinuxHardwareSupport.unavailableMessage)
      return rig
    }
    let buses = requested.isEmpty ? LinuxDeviceNodes.i2cBuses() : DetectedRig.unique(requested)
    if buses.isEmpty { rig.looked.append("no I2C bus (/dev/i2c-*): enable I2C (raspi-config) or pass --bus") }
    var imus: [(any IMUDriver, String, String)] = []
    for path in buses {
      // One open per bus: a bus that cannot be opened is one line, not one per address.
      let bus: LinuxI2CBus
      do {
        bus = try LinuxI2CBus(path: path)
      } catch {
        rig.looked.append("\(path): \(error)")
        continue
      }
      var probed = false
      for address in imuAddresses where imus.count < 2 {
        probed = true
        let hex = "0x" + String(address, radix: 16)
        do {
          if address < 0x6A {
            var d = MPU6050Driver(bus: bus, address: address, clock: clock)
            imus.append((d, describe(try d.configure(request), on: path), path))
          } else {
            var d = LSM6DSDriver(bus: bus, address: address, clock: clock)
            imus.append((d, describe(try d.configure(request), on: path), path))
          }
        } catch {
          rig.looked.append("\(path) \(hex): \(error)")
        }
      }
      if rig.load == nil && hx711 == nil {
        probed = true
        do {
          var d = NAU7802Driver(bus: bus, clock: clock, calibration: loadCalibration)
          let r = try d.start()
          rig.load = d
          rig.found.append("load cell: \(r) on \(path)")
          rig.sensorsOnBus[path, default: 0] += 1
        } catch {
          rig.looked.append("\(path) 0x2a (NAU7802): \(error)")
        }
      }
      if !probed {
        rig.skippedBuses.insert(path)
        let load = hx711 != nil ? "the load cell is the HX711 of --hx711" : "a load cell was found already"
        rig.looked.append("\(path): not probed (two IMUs were found already; \(load))")
      }
    }
    // The first IMU found is the upper back; a second one (the other address) is the sacrum.
    if let first = imus.first {
      rig.imu = first.0
      rig.found.append("upper-back IMU: \(first.1)")
      rig.sensorsOnBus[first.2, default: 0] += 1
    }
    if imus.count > 1 {
      rig.imu2 = imus[1].0
      rig.found.append("sacrum IMU: \(imus[1].1)")
      rig.sensorsOnBus[imus[1].2, default: 0] += 1
    }
    if let w = hx711 {
      do {
        let chip = try LinuxGPIOChip(path: w.chip)
        let sck = try chip.requestOutput(offset: w.clockOffset, initialHigh: false)
        let dout = try chip.requestInput(offset: w.dataOffset)
        var d = HX711Driver(clock: clock, clockLine: sck, dataLine: dout, calibration: loadCalibration)
        let r = try d.start()
        rig.load = d
        rig.hx711Found = true
        rig.found.append("load cell: \(r) on \(w.chip) lines \(w.clockOffset)/\(w.dataOffset)")
      } catch {
        rig.looked.append("\(w.place): \(error)")
      }
    }
    return rig
  }

  private static func describe(_ r: IMUConfigurationReport, on path: String) -> String {
    var s = "\(r.chipName) (id 0x\(String(r.chipID, radix: 16))) on \(path) at 0x\(String(r.address, radix: 16)), "
    s += "\(fmt(r.sampleRateHz, 0)) Hz, ±\(fmt(r.accelRangeG, 0)) g, ±\(fmt(r.gyroRangeDPS, 0)) °/s"
    return r.warnings.isEmpty ? s : s + " (" + r.warnings.joined(separator: "; ") + ")"
  }
}
