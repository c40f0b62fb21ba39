using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Ddf.Runtime;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using Xunit;

namespace Ddf.IntegrationTests;

/// <summary>
/// The CUDA context handling of <see cref="DdfCudaDevices"/> (<see cref="CudaPrimaryContext"/>, <see cref="CudaContextSwitch"/>)
/// against a fake driver that keeps a context stack per thread as the CUDA driver documents it, with ILGPU's real per-thread
/// current accelerator (CPU accelerators stand in for CUDA ones: only their identity matters). No GPU: what the real driver
/// and ILGPU's CudaAccelerator do on a device is not checked here (the GPU check does, samples/Ddf.GpuCheck).
/// </summary>
public sealed class CudaContextTests : IDisposable
{
    private readonly Context context = Context.Create(builder => builder.CPU());
    private readonly Accelerator callers, ours;
    private readonly Accelerator? original = Accelerator.Current;
    private readonly FakeDriver driver = new();

    public CudaContextTests()
    {
        callers = context.CreateCPUAccelerator(0);
        ours = context.CreateCPUAccelerator(0);
    }

    public void Dispose()
    {
        IlgpuBinding.SetCurrent(original);
        ours.Dispose();
        callers.Dispose();
        context.Dispose();
    }

    [Fact]
    public void Ilgpu_binding_is_set_per_thread_without_binding()
    {
        IlgpuBinding.SetCurrent(callers);
        Assert.Same(callers, Accelerator.Current);
        Accelerator? seenElsewhere = callers;
        var thread = new Thread(() => seenElsewhere = Accelerator.Current);
        thread.Start();
        thread.Join();
        Assert.Null(seenElsewhere);
        IlgpuBinding.SetCurrent(null);
        Assert.Null(Accelerator.Current);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Creation_moves_the_accelerator_to_the_primary_context_destroys_the_private_one_and_restores_the_thread(bool callerHasContext)
    {
        IntPtr callersContext = callerHasContext ? driver.Create() : IntPtr.Zero;
        IlgpuBinding.SetCurrent(callers);
        IntPtr privateContext = IntPtr.Zero, adopted = IntPtr.Zero;
        var primary = CudaPrimaryContext.Adopt(driver, ordinal: 1,
            () =>
            {
                // ILGPU's constructor: its Bind() must find no accelerator to unbind (that would pop the caller's context).
                Assert.Null(Accelerator.Current);
                privateContext = driver.Create();
                IlgpuBinding.SetCurrent(ours);
                return privateContext;
            },
            p =>
            {
                Assert.Equal(p, driver.Current);
                adopted = p;
            });
        Assert.Equal(FakeDriver.PrimaryOf(1), primary);
        Assert.Equal(primary, adopted);
        Assert.DoesNotContain(privateContext, driver.Alive);
        Assert.Equal(callerHasContext ? new[] { callersContext } : Array.Empty<IntPtr>(), driver.Stack);
        Assert.Same(callers, Accelerator.Current);
    }

    [Fact]
    public void A_failed_creation_leaves_no_private_context_and_restores_the_thread()
    {
        IntPtr callersContext = driver.Create();
        IlgpuBinding.SetCurrent(callers);
        IntPtr privateContext = IntPtr.Zero;
        Assert.Throws<InvalidOperationException>(() => CudaPrimaryContext.Adopt(driver, 0,
            () => privateContext = driver.Create(), _ => throw new InvalidOperationException("adopting failed")));
        Assert.DoesNotContain(privateContext, driver.Alive);
        Assert.Equal(new[] { callersContext }, driver.Stack);
        Assert.Same(callers, Accelerator.Current);

        // The device lookup fails: the private context is still on top, and destroying it pops it.
        driver.FailDeviceGet = true;
        Assert.Throws<InvalidOperationException>(() => CudaPrimaryContext.Adopt(driver, 0, () => privateContext = driver.Create(), _ => { }));
        Assert.DoesNotContain(privateContext, driver.Alive);
        Assert.Equal(new[] { callersContext }, driver.Stack);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_call_runs_in_the_primary_context_and_restores_the_callers_context_and_binding(bool callerHasContext)
    {
        IntPtr callersContext = callerHasContext ? driver.Create() : IntPtr.Zero;
        IlgpuBinding.SetCurrent(callers);
        var primary = FakeDriver.PrimaryOf(0);
        using (CudaContextSwitch.Enter(driver, primary, ours))
        {
            Assert.Equal(primary, driver.Current);
            Assert.Single(driver.Stack);
            Assert.Same(ours, Accelerator.Current);
        }
        Assert.Equal(callerHasContext ? new[] { callersContext } : Array.Empty<IntPtr>(), driver.Stack);
        Assert.Same(callers, Accelerator.Current);
    }

    [Fact]
    public void A_call_that_throws_restores_the_callers_context_and_binding()
    {
        IntPtr callersContext = driver.Create();
        IlgpuBinding.SetCurrent(callers);
        Action call = () =>
        {
            using var scope = CudaContextSwitch.Enter(driver, FakeDriver.PrimaryOf(0), ours);
            throw new ArithmeticException();
        };
        Assert.Throws<ArithmeticException>(call);
        Assert.Equal(new[] { callersContext }, driver.Stack);
        Assert.Same(callers, Accelerator.Current);
    }

    [Fact]
    public void Nested_calls_and_a_caller_already_in_the_primary_context_change_nothing_they_do_not_restore()
    {
        var primary = FakeDriver.PrimaryOf(0);
        driver.SetCurrent(primary);
        IlgpuBinding.SetCurrent(null);
        int sets = driver.SetCalls;
        using (CudaContextSwitch.Enter(driver, primary, ours))
        {
            using (CudaContextSwitch.Enter(driver, primary, ours))
                Assert.Equal(new[] { primary }, driver.Stack);
            Assert.Same(ours, Accelerator.Current);
        }
        Assert.Equal(sets, driver.SetCalls); // already current: no cuCtxSetCurrent at all
        Assert.Equal(new[] { primary }, driver.Stack);
        Assert.Null(Accelerator.Current);

        // Another device's primary context inside a call on this one, then back.
        var other = FakeDriver.PrimaryOf(1);
        using (CudaContextSwitch.Enter(driver, primary, ours))
        {
            using (CudaContextSwitch.Enter(driver, other, callers))
                Assert.Equal(new[] { other }, driver.Stack);
            Assert.Equal(new[] { primary }, driver.Stack);
            Assert.Same(ours, Accelerator.Current);
        }
    }

    [Fact]
    public void Each_thread_switches_and_restores_its_own_context()
    {
        IntPtr callersContext = driver.Create();
        IlgpuBinding.SetCurrent(callers);
        var primary = FakeDriver.PrimaryOf(0);
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        IntPtr[]? otherInside = null, otherAfter = null;
        Accelerator? otherBinding = callers;
        var thread = new Thread(() =>
        {
            // Like autograd's backward thread: no context and no ILGPU accelerator of its own.
            using (CudaContextSwitch.Enter(driver, primary, ours))
            {
                otherInside = driver.Stack;
                inside.Set();
                release.Wait();
            }
            otherAfter = driver.Stack;
            otherBinding = Accelerator.Current;
        });
        thread.Start();
        inside.Wait();
        // While the other thread is inside, this one is untouched.
        Assert.Equal(new[] { callersContext }, driver.Stack);
        Assert.Same(callers, Accelerator.Current);
        release.Set();
        thread.Join();
        Assert.Equal(new[] { primary }, otherInside);
        Assert.Empty(otherAfter!);
        Assert.Null(otherBinding);
    }

    /// <summary>
    /// A per-thread context stack with the CUDA driver's documented semantics: cuCtxSetCurrent replaces the top (pushes onto an
    /// empty stack; NULL pops), cuCtxPopCurrent pops, cuCtxDestroy destroys and pops the context if it is the caller's current.
    /// </summary>
    private sealed class FakeDriver : ICudaContextDriver
    {
        private readonly ThreadLocal<List<IntPtr>> stacks = new(() => []);
        private readonly HashSet<IntPtr> alive = [];
        private long next = 0x10_0000;

        public bool FailDeviceGet { get; set; }

        public int SetCalls { get; private set; }

        public static IntPtr PrimaryOf(int device) => (IntPtr)(0x5000 + device);

        /// <summary>The calling thread's stack, bottom first.</summary>
        public IntPtr[] Stack => [.. stacks.Value!];

        public IntPtr Current => stacks.Value!.Count == 0 ? IntPtr.Zero : stacks.Value![^1];

        public IntPtr[] Alive
        {
            get
            {
                lock (alive)
                    return [.. alive];
            }
        }

        /// <summary>cuCtxCreate: a new context, pushed on the calling thread's stack.</summary>
        public IntPtr Create()
        {
            var context = (IntPtr)Interlocked.Increment(ref next);
            lock (alive)
                alive.Add(context);
            stacks.Value!.Add(context);
            return context;
        }

        public int GetCurrent(out IntPtr context)
        {
            context = Current;
            return 0;
        }

        public int SetCurrent(IntPtr context)
        {
            SetCalls++;
            var stack = stacks.Value!;
            if (context == IntPtr.Zero)
            {
                if (stack.Count > 0)
                    stack.RemoveAt(stack.Count - 1);
            }
            else if (stack.Count == 0)
                stack.Add(context);
            else
                stack[^1] = context;
            return 0;
        }

        public int PopCurrent(out IntPtr context)
        {
            var stack = stacks.Value!;
            context = Current;
            if (stack.Count == 0)
                return 201; // CUDA_ERROR_INVALID_CONTEXT
            stack.RemoveAt(stack.Count - 1);
            return 0;
        }

        public int DeviceGet(out int device, int ordinal)
        {
            device = ordinal;
            return FailDeviceGet ? 101 : 0; // CUDA_ERROR_INVALID_DEVICE
        }

        public int PrimaryContextRetain(out IntPtr context, int device)
        {
            context = PrimaryOf(device);
            return 0;
        }

        public int Destroy(IntPtr context)
        {
            lock (alive)
            {
                if (!alive.Remove(context))
                    return 201;
            }
            var stack = stacks.Value!;
            if (stack.Count > 0 && stack[^1] == context)
                stack.RemoveAt(stack.Count - 1);
            return 0;
        }
    }
}
