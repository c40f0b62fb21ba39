using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Ddf.Runtime;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Ddf.GpuCheck;

/// <summary>
/// The <c>--ptx</c> mode (no GPU needed): compiles every checked spec's generated float32 kernels to PTX for sm_90,
/// writes them to the report folder and counts their static instructions by kind. A proxy for comparing kernel
/// designs between GPU runs, not a timing: the loops' instructions count once, and ptxas still schedules, fuses
/// multiply-adds and allocates registers after this.
/// </summary>
internal static class PtxStatistics
{
    public static void Write(Report report, string folder)
    {
        report.Line("## Static PTX instruction counts of the generated float32 kernels (sm_90)");
        report.Line();
        report.Line("| spec | kernel | instructions | loads | stores | selects | conditional branches | shuffles | shared bytes |");
        report.Line("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        using var context = Context.Create(builder => builder.Cuda());
        using var backend = new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, nvvmAPI: null!);
        Directory.CreateDirectory(folder);
        foreach (var spec in GpuChecks.Specs.Where(s => s.Gpu.Layout == DdfGpuLayout.Tiled))
        {
            var kernels = spec.Gpu.Single;
            foreach (var (name, method) in new (string, MethodInfo?)[]
            {
                ("Forward", kernels.Forward.Method), ("InputGradient", kernels.InputGradient.Method),
                ("SpatialGradient", kernels.SpatialGradient?.Method), ("ChannelGradient", kernels.ChannelGradient?.Method),
            })
            {
                if (method is null)
                    continue;
                var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(method), spec.Gpu.Specialization);
                string ptx = compiled.PTXAssembly;
                File.WriteAllText(Path.Combine(folder, $"{Regex.Replace(spec.Name, @"\W+", "-")}.{name}.ptx"), ptx);
                var instructions = ptx.Split('\n').Select(l => l.Trim())
                    .Where(l => l.Length > 0 && !l.StartsWith("//") && !l.StartsWith('.') && !l.EndsWith(':') && l is not ("{" or "}")).ToArray();
                int Count(string pattern) => instructions.Count(l => Regex.IsMatch(l, pattern));
                int shared = Regex.Matches(ptx, @"\.shared \.align \d+ \.b8 \w+\[(\d+)\]").Sum(m => int.Parse(m.Groups[1].Value));
                report.Line($"| {spec.Name} | {name} | {instructions.Length} | {Count(@"^ld\.(?!param)")} | {Count(@"^st\.")} | {Count(@"^selp")} | " +
                    $"{Count(@"^@!?%p\d+\s+bra")} | {Count(@"^shfl")} | {shared} |");
            }
        }
        report.Line();
    }
}
