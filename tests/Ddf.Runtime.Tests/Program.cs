using System;
using Ddf.KernelChecks;

namespace Ddf.Runtime.Tests;

/// <summary>
/// The child-process side of the guard-page tests (<see cref="GuardPageTests"/>): <c>dotnet Ddf.Runtime.Tests.dll sweep NAME</c>
/// runs one sweep, printing each case to stderr before it runs, so a fault (which ends the process) names the case;
/// <c>overrun after|before</c> writes one byte past a guarded buffer's end or before its start, which must fault.
/// </summary>
public static unsafe class Program
{
    public static int Main(string[] args)
    {
        try
        {
            switch (args)
            {
                case ["sweep", string name]:
                    Console.Out.WriteLine(Sweep(name));
                    return 0;
                case ["overrun", string side]:
                    using (var buffer = new GuardedBuffer(40, side == "after" ? GuardSide.After : GuardSide.Before))
                    {
                        Console.Error.WriteLine("writing one byte outside a guarded buffer");
                        byte* target = side == "after" ? buffer.Pointer + buffer.Bytes : buffer.Pointer - 1;
                        *target = 1;
                    }
                    Console.Out.WriteLine("the write outside the buffer did not fault");
                    return 0;
                default:
                    Console.Error.WriteLine("usage: Ddf.Runtime.Tests sweep ddf-float|ddf-double|filternorm | overrun after|before");
                    return 2;
            }
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"FAILED: {e}");
            return 1;
        }
    }

    private static string Sweep(string name) => name switch
    {
        "ddf-float" => DdfGuardSweep.Run<float>(Console.Error),
        "ddf-double" => DdfGuardSweep.Run<double>(Console.Error),
        "filternorm" => FilterNormGuardSweep.Run<float>(Console.Error) + "; " + FilterNormGuardSweep.Run<double>(Console.Error),
        _ => throw new ArgumentException($"unknown sweep {name}", nameof(name)),
    };
}
