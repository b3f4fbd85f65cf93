namespace UringSafe.Async;

/// <summary>Schedules tasks onto their reactor's loop.</summary>
internal sealed class ReactorTaskScheduler : TaskScheduler
{
    private readonly UringReactor _reactor;

    public ReactorTaskScheduler(UringReactor reactor) => _reactor = reactor;

    protected override void QueueTask(Task task) => _reactor.Post(static s => ((TaskAndScheduler)s!).Run(), new TaskAndScheduler(this, task));

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued)
        => _reactor.IsOnReactorThread && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => [];

    private sealed class TaskAndScheduler(ReactorTaskScheduler scheduler, Task task)
    {
        public void Run() => scheduler.TryExecuteTask(task);
    }

    public override int MaximumConcurrencyLevel => 1;
}
