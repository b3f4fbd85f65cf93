namespace UringSafe.Analyzers.Tests;

public class UR0001Tests
{
    [Fact]
    public Task UseAfterAwaitWithoutTakeBack() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                {|UR0002:await f.ReadAtAsync(buf, 0)|};
                {|UR0001:buf|}[0] = 1;
            }
        }
        """);

    [Fact]
    public Task UseWhileInFlight() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var task = f.ReadAtAsync(buf, 0);
                Sink.Use({|UR0001:buf|});
                (_, buf) = await task;
            }
        }
        """);

    [Fact]
    public Task UseAfterDiscardedResult() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                _ = {|UR0002:await f.ReadAtAsync(buf, 0)|};
                Pool.Return({|UR0001:buf|});
            }
        }
        """);

    [Fact]
    public Task UseAfterDeconstructionIntoOtherVariable() => Verify.AnalyzerAsync("""
        class C
        {
            async Task<int> M(UringFile f, byte[] buf)
            {
                var (n, other) = await f.ReadAtAsync(buf, 0);
                return n + other.Length + {|UR0001:buf|}.Length;
            }
        }
        """);

    [Fact]
    public Task LendAgainAfterAwaitWithoutTakeBack() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f, byte[] buf)
            {
                var (n, _) = {|UR0002:await f.ReadAtAsync(buf, 0)|};
                (n, buf) = await f.ReadAtAsync({|UR0001:buf|}, n);
            }
        }
        """);

    [Fact]
    public Task UseInOneBranchLentInOther() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f, bool flag)
            {
                var buf = new byte[16];
                if (flag)
                {
                    {|UR0002:await f.ReadAtAsync(buf, 0)|};
                }
                else
                {
                    buf[0] = 1;
                }

                Sink.Use({|UR0001:buf|});
            }
        }
        """);

    [Fact]
    public Task TakenBackOnBothBranchesIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f, bool flag)
            {
                var buf = new byte[16];
                int n;
                if (flag)
                {
                    (n, buf) = await f.ReadAtAsync(buf, 0);
                }
                else
                {
                    (n, buf) = await f.WriteAtAsync(buf, 0);
                }

                Sink.Use(buf);
            }
        }
        """);

    [Fact]
    public Task UseInSwitchCase() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f, int mode)
            {
                var buf = new byte[16];
                switch (mode)
                {
                    case 0:
                        {|UR0002:await f.ReadAtAsync(buf, 0)|};
                        break;
                    case 1:
                        (_, buf) = await f.ReadAtAsync(buf, 0);
                        break;
                    default:
                        return;
                }

                Sink.Use({|UR0001:buf|});
            }
        }
        """);

    [Fact]
    public Task UseInCatchAfterException() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = Pool.Rent();
                try
                {
                    (_, buf) = await f.ReadAtAsync(buf, 0);
                }
                catch (Exception)
                {
                    Pool.Return({|UR0001:buf|});
                    throw;
                }

                Pool.Return(buf);
            }
        }
        """);

    [Fact]
    public Task UseInFinally() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = Pool.Rent();
                try
                {
                    (_, buf) = await f.ReadAtAsync(buf, 0);
                }
                finally
                {
                    Pool.Return({|UR0001:buf|});
                }
            }
        }
        """);

    [Fact]
    public Task UseInCatchBeforeLendingIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = Pool.Rent();
                try
                {
                    buf[0] = 1;
                }
                catch (Exception)
                {
                    Pool.Return(buf);
                    throw;
                }

                (_, buf) = await f.ReadAtAsync(buf, 0);
                Pool.Return(buf);
            }
        }
        """);

    [Fact]
    public Task LambdaCapturingLentBuffer() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var task = f.ReadAtAsync(buf, 0);
                Action log = () => Console.WriteLine({|UR0001:buf|}.Length);
                (_, buf) = await task;
                log();
            }
        }
        """);

    [Fact]
    public Task LocalFunctionReadingLentBuffer() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var task = f.ReadAtAsync(buf, 0);
                Log();
                (_, buf) = await task;

                void Log() => Console.WriteLine({|UR0001:buf|}.Length);
            }
        }
        """);

    [Fact]
    public Task LocalFunctionCalledAfterTakeBackIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                (_, buf) = await f.ReadAtAsync(buf, 0);
                Log();

                void Log() => Console.WriteLine(buf.Length);
            }
        }
        """);

    [Fact]
    public Task LendingInsideLocalFunctionIsAnalyzed() => Verify.AnalyzerAsync("""
        class C
        {
            Task M(UringFile f) => Inner();

            async Task Inner()
            {
                await Local(new UringFile());

                async Task Local(UringFile g)
                {
                    var buf = new byte[16];
                    {|UR0002:await g.ReadAtAsync(buf, 0)|};
                    Sink.Use({|UR0001:buf|});
                }
            }
        }
        """);

    [Fact]
    public Task LendingInsideLambdaIsAnalyzed() => Verify.AnalyzerAsync("""
        class C
        {
            Func<Task> M(UringFile f) => async () =>
            {
                var buf = new byte[16];
                {|UR0002:await f.ReadAtAsync(buf, 0)|};
                Sink.Use({|UR0001:buf|});
            };
        }
        """);

    [Fact]
    public Task FieldOfThis() => Verify.AnalyzerAsync("""
        class C
        {
            private byte[] _buf = new byte[16];

            async Task M(UringFile f)
            {
                {|UR0002:await f.ReadAtAsync(this._buf, 0)|};
                Sink.Use({|UR0001:_buf|});
            }
        }
        """);

    [Fact]
    public Task FieldOfThisTakenBack() => Verify.AnalyzerAsync("""
        class C
        {
            private byte[] _buf = new byte[16];

            async Task M(UringFile f)
            {
                (_, _buf) = await f.ReadAtAsync(_buf, 0);
                Sink.Use(this._buf);
            }
        }
        """);

    [Fact]
    public Task FieldReachedThroughParameter() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(Connection conn)
            {
                var r = await conn.File.ReadAtAsync(conn.Buffer, 0);
                Sink.Use({|UR0001:conn.Buffer|});
                conn.Buffer = r.Buffer;
                Sink.Use(conn.Buffer);
            }
        }
        """);

    [Fact]
    public Task DisposeWhileLent() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var buf = new byte[16];
                var task = f.ReadAtAsync(buf, 0);
                Array.Clear({|UR0001:buf|});
                (_, buf) = await task;
            }
        }
        """);

    // A helper whose result carries the buffer back needs no [Lends] (UR0007), and it still lends its argument: the
    // analysis infers that from its body, so its callers are checked as callers of the operation.

    private const string ResultHelpers = """

        static class Helpers
        {
            public static Task<IoResult<byte[]>> ReadHelper(UringFile f, byte[] b) => f.ReadAtAsync(b, 0).AsTask();

            public static async Task<IoResult<byte[]>> ReadAwaitedHelper(UringFile f, byte[] b) => await f.ReadAtAsync(b, 0);

            public static async Task<(int Count, byte[] Buffer)> ReadTupleHelper(UringFile f, byte[] b)
            {
                var (n, back) = await f.ReadAtAsync(b, 0);
                return (n, back);
            }

            public static Task<IoResult<byte[]>> ForwardingHelper(UringFile f, byte[] b) => ReadHelper(f, b);

            public static Task<IoResult<byte[]>> NotLendingHelper(UringFile f, byte[] b) => Task.FromResult(new IoResult<byte[]>(0, b));
        }
        """;

    [Fact]
    public Task CallerOfAHelperThatGivesTheBufferBackThroughItsResultIsChecked() => Verify.ContractAsync("""
        class C
        {
            async Task M(UringFile f)
            {
                var arr = new byte[16];
                var t = Helpers.ReadHelper(f, arr);
                {|UR0001:arr|}[0] = 1;
                (_, arr) = await t;
                arr[0] = 2;

                var t2 = Helpers.ReadAwaitedHelper(f, arr);
                Sink.Use({|UR0001:arr|});
                (_, arr) = await t2;

                var t3 = Helpers.ReadTupleHelper(f, arr);
                Sink.Use({|UR0001:arr|});
                (_, arr) = await t3;

                var t4 = Helpers.ForwardingHelper(f, arr);
                Sink.Use({|UR0001:arr|});
                (_, arr) = await t4;

                var t5 = Helpers.NotLendingHelper(f, arr);
                Sink.Use(arr);
                await t5;
            }

            async Task Dropped(UringFile f, byte[] {|UR0007:arr|})
            {
                {|UR0003:Helpers.ReadHelper(f, arr)|};
                {|UR0002:await Helpers.ReadHelper(f, new byte[1])|};
            }
        }
        """ + ResultHelpers);

    [Fact]
    public Task HelperInAnotherFileIsInferredToo()
    {
        var test = new UringTest { WithLendsContract = true };
        test.TestState.Sources.Add(("/0/Test0.cs", UringTest.Usings + """
            class C
            {
                async Task M(UringFile f)
                {
                    var arr = new byte[16];
                    var t = Helpers.ReadHelper(f, arr);
                    {|UR0001:arr|}[0] = 1;
                    (_, arr) = await t;
                }
            }
            """));
        test.TestState.Sources.Add(("/0/Helpers.cs", UringTest.Usings + ResultHelpers));
        test.TestState.Sources.Add(("/0/Api.cs", TestApi.Source));
        return test.RunAsync();
    }

    // An array element is a location of its own.

    [Fact]
    public Task ArrayElementLentThenTouched() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(UringFile f, byte[][] bufs)
            {
                var t = f.ReadAtAsync(bufs[0], 0);
                {|UR0001:bufs[0]|}[1] = 1;
                Sink.Use({|UR0001:bufs[0]|});
                Sink.Use(bufs[1]);
                (_, bufs[0]) = await t;
                bufs[0][0] = 1;
            }

            async Task Unknown(UringFile f, byte[][] bufs, int i)
            {
                var t = f.ReadAtAsync(bufs[i], 0);
                Sink.Use({|UR0001:bufs[i]|});
                Sink.Use({|UR0001:bufs[0]|});
                (_, bufs[i]) = await t;
                Sink.Use(bufs[i]);
            }

            async Task NotTakenBack(UringFile f, Connection[] conns)
            {
                {|UR0002:await f.ReadAtAsync(conns[1].Buffer, 0)|};
                Sink.Use({|UR0001:conns[1].Buffer|});
                Sink.Use(conns[2].Buffer);
            }
        }
        """);

    // `using (buf = new Buf())` disposes the value it assigns, the buffer the body lends: on the exception path the
    // kernel may still own it, as with `using (buf)`.
    internal const string UsingAssignsTheLentVariable = """
        class C
        {
            async Task M()
            {
                Buf buf;
                using ({|UR0001:buf = new Buf()|})
                {
                    (_, buf) = await Ops.ReadAsync(buf);
                }
            }

            async Task Parameter(Buf buf, Buf other)
            {
                using ({|UR0001:buf = other|})
                {
                    (_, buf) = await Ops.ReadAsync(buf);
                }
            }
        }
        """ + TestApi.DisposableBuffer;

    [Fact]
    public Task AUsingThatAssignsTheLentVariableDisposesItOnTheExceptionPath() => Verify.AnalyzerAsync(UsingAssignsTheLentVariable);

    [Fact]
    public Task AUsingThatAssignsAnotherVariableIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            async Task M(Buf buf)
            {
                Buf other;
                using (other = new Buf())
                {
                    (_, buf) = await Ops.ReadAsync(buf);
                }

                Buf after;
                (_, buf) = await Ops.ReadAsync(buf);
                using (after = buf)
                {
                }
            }
        }
        """ + TestApi.DisposableBuffer);

    // A foreach whose GetEnumerator lends the collection is the function's only lending call: the function is analyzed.
    [Fact]
    public Task AFunctionWhoseOnlyLendIsAForeach() => Verify.AnalyzerAsync("""
        class C
        {
            void M(Ring ring)
            {
                foreach (var n in ring)
                {
                }

                Sink.Use({|UR0001:ring|}.Data);
            }

            Action Lambda(Ring ring) => () =>
            {
                foreach (var n in ring)
                {
                }

                Sink.Use({|UR0001:ring|}.Data);
            };
        }
        """ + TestApi.LendingRing);

    [Fact]
    public Task AForeachThatLendsNothingIsFine() => Verify.AnalyzerAsync("""
        class C
        {
            void M(Ring ring, byte[][] all)
            {
                foreach (var b in all)
                {
                    Sink.Use(b);
                }

                Sink.Use(ring.Data);
            }
        }
        """ + TestApi.LendingRing);
}
