using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using Ddf;
using Ddf.GpuCheck;
using Ddf.Runtime;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

// Usage: Ddf.GpuCheck <report-folder> [--cpu | --ptx]
//   Checks the generated (and generic) GPU kernels against the CPU kernels on random shapes, times them at the
//   paper's Table 2 size next to a device-to-device copy, checks them on memory allocated outside ILGPU, and
//   writes <report-folder>/report.md. --cpu runs the correctness part on ILGPU's CPU accelerator (small shapes);
//   --ptx only compiles the generated kernels to PTX and counts their instructions (no device needed).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (args.Length < 1 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: Ddf.GpuCheck <report-folder> [--cpu | --ptx]");
    return 2;
}
var report = new Report(args[0]);
if (args.Contains("--ptx"))
{
    PtxStatistics.Write(report, args[0]);
    report.Save();
    return 0;
}
bool onCpu = args.Contains("--cpu");
using var context = Context.Create(builder => _ = onCpu ? builder.CPU(CPUDeviceKind.Nvidia) : builder.Cuda());
var devices = context.Devices.Where(d => onCpu ? d.AcceleratorType == AcceleratorType.CPU : d.AcceleratorType == AcceleratorType.Cuda).ToArray();
if (devices.Length == 0)
{
    report.Line("no CUDA device: nothing to check (this machine has no NVIDIA GPU or driver).");
    report.Save();
    return 0;
}
using var accelerator = devices[0].CreateAccelerator(context);
report.Line($"# DDF GPU check, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
report.Line();
report.Line($"Device: {accelerator.Name} ({accelerator.AcceleratorType}), {accelerator.NumMultiprocessors} multiprocessors, " +
    $"{accelerator.MemorySize / (1 << 20)} MiB, warp {accelerator.WarpSize}" +
    (accelerator is CudaAccelerator cuda ? $", {cuda.Architecture}, driver {cuda.DriverVersion}" : "") + $"; .NET {Environment.Version}, ILGPU 1.5.3.");
report.Line();

bool passed = GpuChecks.Correctness(accelerator, report, quick: onCpu);
if (!onCpu)
{
    GpuChecks.Timings(accelerator, report);
    // The same kernels compiled with ILGPU's O2 optimisation level (the default context uses O1).
    using var optimised = Context.Create(builder => builder.Cuda().Optimize(OptimizationLevel.O2));
    using var optimisedAccelerator = optimised.GetCudaDevice(0).CreateAccelerator(optimised);
    GpuChecks.Timings(optimisedAccelerator, report, label: ", ILGPU O2", onlyTable2: true);
    passed &= GpuChecks.ZeroCopy(report);
}
report.Line();
report.Line(passed ? "RESULT: all checks passed" : "RESULT: FAILED (see above)");
report.Save();
return passed ? 0 : 1;

namespace Ddf.GpuCheck
{
    /// <summary>Collects the report, echoes it to the console, and writes it as report.md.</summary>
    internal sealed class Report(string folder)
    {
        private readonly List<string> lines = [];

        public void Line(string text = "")
        {
            Console.WriteLine(text);
            lines.Add(text);
        }

        public void Save()
        {
            Directory.CreateDirectory(folder);
            File.WriteAllLines(Path.Combine(folder, "report.md"), lines);
        }
    }
}
