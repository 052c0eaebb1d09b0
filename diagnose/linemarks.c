/* linemarks: the table of the offline per-line marks (linemarks.h), built
 * once per process from the lists below; linemarks_scan walks its own
 * automaton (marks.c) for callers without a classifier. */
#include "diagnose/linemarks.h"
#include <pthread.h>
#include <string.h>
#include "diagnose/marks.h"

/* Collective/communicator setup: a log that ends here with no step printed
 * is a suspected hang in the first collective. */
static const char *const setup_marks[] = {
    "NCCL INFO", "NCCL version", "ProcessGroupNCCL initialized", "NCCL watchdog thread started",
    "Init COMPLETE", "Connected all rings", "Connected all trees",
    "Waiting in store based barrier", /* process-group init waiting for its peers */
    /* c10d's store-based barrier of every process group it creates
     * (init_process_group, new_group): "Added key: store_based_barrier_key:N
     * to store for rank: R", "Rank R: Completed store-based barrier for
     * key:store_based_barrier_key:N with M nodes." */
    "store_based_barrier_key:",
    /* ProcessGroupNCCL's first barrier() before any collective told it the
     * device: "[PG ID 0 PG GUID 0 Rank 0]  using GPU 0 to perform barrier
     * as devices used by this process are currently unknown" (torch 2.x;
     * 1.x: "Rank 0 using best-guess GPU 0 to perform barrier as ...") */
    "to perform barrier as devices used by this process are currently unknown",
    /* DeepSpeed's deepspeed.init_distributed() creating the process group
     * (0.6 and later; 0.3-0.5: "Initializing torch distributed with backend:
     * nccl") */
    "Initializing TorchBackend in DeepSpeed with backend", "Initializing torch distributed with backend",
    "all-reduces with algorithm = nccl", /* TensorFlow building its NCCL all-reduce */
    /* TensorFlow's MirroredStrategy placing its first all-reduce: "Reduce to
     * /job:localhost/replica:0/task:0/device:CPU:0 then broadcast to (...)" */
    "then broadcast to (",
    /* Lightning's sanity check: the first validation steps, collectives and
     * all, before any training step */
    "Sanity Checking",
    "initializing ddp: GLOBAL_RANK", /* Lightning's init_process_group (its other form,
                                      * "Initializing distributed: GLOBAL_RANK", is
                                      * "Initializing distributed" below) */
    /* the rendezvous before any collective: c10d's TCPStore sockets (debug
     * logging), torchelastic's agent, TensorFlow's distributed server, a
     * Ray Train worker group starting or never granted its resources,
     * torch's pipeline stages before their first send/recv */
    "The server socket has started to listen on", "The client socket will attempt to connect to",
    "Rendezvous'ing worker group", "Attempting to join next rendezvous", "Added self to waiting list",
    "Started server with target: grpc://", "cannot be scheduled right now",
    "The following resource request cannot be", /* Ray's scheduler, also cut short */
    /* Ray's GCS retrying a placement group no node can hold yet ("Failed
     * to schedule placement group __tune_..., id: ..., because no nodes
     * are available.", then "Failed to create placement group ..., try
     * again.") */
    "because no nodes are available",
    "Trainer logs will be logged in", "Started distributed worker processes", /* Ray Train's worker group */
    "Setting up process group for: ",
    "Finished pipeline stage init",
    /* ps-lite (MXNet's kvstore, BytePS) registering its nodes with the
     * scheduler: "Bind to role=scheduler, id=1, ip=...", "control={
     * cmd=ADD_NODE, node={ role=server, ..." */
    "Bind to role=", "cmd=ADD_NODE",
    /* c10d's warnings while its store client resolves and connects to the
     * master (IPv6 lookup, connect retries): still in the rendezvous */
    "cannot be retrieved (gai error", "The client socket has failed to connect to",
    /* launchers starting their ranks: torchrun's banner before it starts
     * the workers ("Setting OMP_NUM_THREADS environment variable for each
     * process to be 1 in default"), horovodrun's checks of its hosts and of
     * the framework's MPI build before it launches them */
    "Setting OMP_NUM_THREADS environment variable for each process",
    /* any other line of torchrun's own module (its glog form
     * "run.py:793] *****" and its logger "torch.distributed.run:"), which
     * prints only while it starts the workers; DeepSpeed's launcher and
     * runner reporting the ranks they start */
    "distributed/run.py:", "torch.distributed.run:", "WORLD INFO DICT", ":main] cmd = ",
    "Host-to-host interface checking successful", "was built with MPI.",
    /* horovodrun's task servers on the remote hosts not answering yet */
    "Waiting for the hosts to acknowledge.",
    /* process groups being created by other front ends: c10d's own INFO
     * line (torch 2.0-2.2), gloo's peer count, vLLM's distributed init and
     * its pynccl, Megatron-LM's and NeMo's model-parallel groups, JAX's
     * coordination service, ColossalAI's launch */
    "ProcessGroupNCCL initialization options", "[Gloo] Rank ", "distributed_init_method=",
    "Found nccl from library", "initializing torch distributed",
    "initialized tensor model parallel with size", "initializing model parallel with size",
    "has data parallel group", "Connecting to JAX distributed service on",
    "Starting JAX distributed service on", "Distributed environment is initialized",
    /* TensorFlow's TPU session setup (TPUEstimator, TPUStrategy): the TPU
     * system initialized over gRPC and the workers' heartbeat configured
     * before the first step ("Initializing TPU system (master: grpc://...)",
     * "Found TPU system:", "Configuring worker heartbeat: shutdown_mode:") */
    "Initializing TPU system", "Found TPU system:", "Configuring worker heartbeat",
    /* DeepSpeed's ZeRO optimizer partitioning the parameters across the
     * ranks before the first step ("Creating torch.bfloat16 ZeRO stage 2
     * optimizer", then its bucket sizes and "Round robin gradient
     * partitioning: False"); PaddlePaddle's NCCL process group ("init nccl
     * rank_in_group: 3, nranks: 4, gid: 0, ...") */
    "ZeRO stage 1 optimizer", "ZeRO stage 2 optimizer", "ZeRO stage 3 optimizer",
    "Round robin gradient partitioning:", "init nccl rank_in_group:",
    /* Ray Tune's trial executor starting a trial's actor (the trial's
     * training has not begun); Lightning's DeepSpeed strategy, fairseq's
     * and NVIDIA's example trainers (Tacotron 2, WaveGlow) calling
     * init_process_group */
    "Setting up new remote runner", "initializing deepspeed distributed: GLOBAL_RANK",
    /* LLaMA-Factory's launcher starting torchrun ("Initializing 2
     * distributed tasks at: 127.0.0.1:58015") */
    "distributed tasks at: ",
    /* the SageMaker Python SDK's job status while the instances and the
     * training image are set up (its log stream before the job's output) */
    "Starting - Starting the training job", "Starting - Launching requested ML instances",
    "Starting - Preparing the instances for training", "Downloading - Downloading input data",
    "Training - Downloading the training image",
    /* WeNet's train.py, each rank right before init_process_group
     * ("INFO training on multiple gpus, this gpu 3") */
    "training on multiple gpus, this gpu",
    "| distributed init (rank ", "Initializing distributed",
    /* NCCL 2.0-2.3, whose lines had no "NCCL" word ("host:pid:tid [0] INFO
     * Using internal Network Socket", Horovod's first allreduce) */
    "] INFO Using internal Network Socket", "] INFO Using NCCL Low-latency algorithm",
    "] INFO NET : Using interface", "] INFO Ring 00 :",
    NULL};
/* The training loop announcing its start, or the last thing a job does
 * before its first step (a JIT build of its kernels): a log that ends here
 * with no step printed is a suspected hang in the first step (its first
 * collective, its data loader, a build waiting for another process's lock
 * in the extensions directory). */
static const char *const start_marks[] = {
    "workflow: [(", /* mmcv's runner: "workflow: [('train', 1)], max: 12 epochs" */
    /* twenty-ninth session, each the last line before the first step of a
     * dev log both readers call a hang: Composer's trainer ("Spinning the
     * dataloaders"), YOLOX's launcher ("yolox.core.launch:
     * _distributed_worker:119 - Rank 0 initialization finished.") */
    "Spinning the dataloaders", "_distributed_worker:",
    "Start running, host: ", /* mmcv's runner, the line before */
    "***** Running training *****", /* transformers' Trainer */
    /* TensorFlow's Estimator/MonitoredSession: the checkpoint of step 0,
     * written before the first step */
    "Saving checkpoints for 0 into", "after saving checkpoint 0...",
    /* Megatron-LM's set-up, each known to wait on a lock or on the other
     * ranks: its fused-kernel and dataset-index builds (make), its dataset
     * indices, and the last marks before its first iteration (without the
     * "> " Megatron puts first: a quoted paste loses it, input.c) */
    "compiling and loading fused kernels", "compiling dataset index builder",
    "building train, validation, and test datasets", "[after dataloaders are built]",
    /* its BERT/T5 dataset utilities building the sample index (the typo is
     * Megatron-LM's own, copied by PaddleNLP and others) */
    "building sapmles index mapping for ", "building samples index mapping for ",
    "[before the start of training step]",
    /* Lightning's "All distributed processes registered" (before 1.5: "All
     * DDP processes registered. Starting ddp with N processes") after
     * init_process_group; detectron2's, ultralytics', torchtitan's and
     * kohya sd-scripts' training start */
    "All distributed processes registered",
    "All DDP processes registered", /* its older form (Lightning 1.0-1.4) */
    "Starting training from iteration", "Starting training for ", "Training starts at step",
    "Starting training loop", /* prime-rl's trainer, LitGPT's pretrain */
    "[Start training] ", /* nanotron's trainer: "[Start training] datetime: ... | train_steps: N" */
    "! Starting training ...", /* nequip-train (NequIP, Allegro) */
    "running training / \xe5\xad\xa6\xe7\xbf\x92\xe9\x96\x8b\xe5\xa7\x8b", /* "running training / 学習開始" */
    /* Megatron-LM's last line before "training ..." and its first
     * iteration; mmengine's CheckpointHook as the runner starts training */
    "done with setup ...", "Checkpoints will be saved to ",
    NULL};
/* Start marks that a run prints again once it trains (LM_START | LM_AGAIN):
 * the progress before them was training, while the progress before a mark
 * above was not (a cache's or a tokenizer's bar: activity.c forgets it).
 * torch.utils.cpp_extension's JIT build (DeepSpeed and ColossalAI ops; it
 * waits for a lock that a killed build may have left behind, and a lazily
 * loaded op builds mid-run), Lightning's devices line (each fit, validate
 * and test), fairseq's start of each epoch. */
static const char *const again_marks[] = {
    "as PyTorch extensions root...", "kernel during runtime now", "- CUDA_VISIBLE_DEVICES: [",
    "begin training epoch",
    /* PySlowFast's train_net.py before its epoch loop ("[INFO: train_net.py:
     * 307]: Start epoch: 1"), also after a resume */
    "]: Start epoch: ",
    /* torch.utils.cpp_extension loading a built op (DeepSpeed's "Loading
     * extension module utils...", then "Time to load utils op: N seconds") */
    "Loading extension module ",
    /* XLA's alarm on a compilation that has run for minutes ("[Compiling
     * module jit_train_step] Very slow compile? If you want to file a bug,
     * ..."), printed again for each slow module; ColossalAI's trainer
     * registering its hooks as fit() starts ("Using ThroughputHook for
     * training, priority = 10") */
    "Very slow compile? If you want to file a bug", "Hook for training, priority = ", NULL};
/* A connection attempt that failed and is retried: NCCL's socket connect
 * ("Call to connect returned Connection refused, retrying", 2.19 and later
 * "socketPollConnect: connect returned No route to host, retrying (26/34)
 * after sleep for 2600 msec") and TensorFlow's gRPC master ("RPC failed
 * with status = "Unavailable: Socket closed" ..., maybe retrying the RPC",
 * "CreateSession still waiting for response from worker: /job:worker/...").
 * A log that ends here is stuck connecting (activity.c). */
static const char *const retry_marks[] = {"Call to connect returned", "socketPollConnect: connect returned",
                                          "maybe retrying the RPC",
                                          /* NCCL 2.20 and later: "socketPollConnect: connect to
                                           * 10.0.0.5<52333> returned Connection refused, retrying" */
                                          "socketPollConnect: connect to ",
                                          /* TensorFlow's master (master.cc) while a worker of the
                                           * cluster does not answer, every 10 s */
                                          "CreateSession still waiting for response from worker",
                                          /* TRL's vLLM client (GRPO with a vLLM server) until
                                           * the server answers */
                                          "Server is not up yet. Retrying in",
                                          /* PaddlePaddle's launcher waiting for its trainers'
                                           * endpoints ("server not ready, wait 3 sec to
                                           * retry..." then "not ready endpoints:['10.0.0.7:6070']")
                                           * and its TCP store's client (tcp_utils.cc: "Retry to
                                           * connect to 10.0.0.7:51920 while the server is not yet
                                           * listening.") */
                                          "server not ready, wait ", "not ready endpoints:[",
                                          "while the server is not yet listening",
                                          /* TensorFlow's TPUEstimator asking its master for the
                                           * TPU system ("Failed to connect to the Tensorflow
                                           * master. The TPU worker may not be ready ...") */
                                          "Failed to connect to the Tensorflow master",
                                          /* TensorFlow's MonitoredSession creating its session
                                           * again after an error ("This may be due to a preemption
                                           * of a connected worker or parameter server. A new
                                           * session will be created.") */
                                          "An error was raised while a session was being created", NULL};
/* Error-level words: a tool's or a logger's report of an error
 * ("slurmstepd: error:", "ERROR 12-03 ...", "docker: Error response",
 * "FATAL:"). activity.c takes one only as a word of its own (not
 * "RuntimeError:", not "NCCL_ERROR_..."): a log that ends with such a line
 * and no failure a rule knows is a suspected failure, not a clean stop. */
static const char *const error_marks[] = {"ERROR", "FATAL", "CRITICAL", "Error:", "error:", "fatal:",
                                          "Fatal:", "\", line ", /* a traceback's frame */ NULL};
/* Completion marks that count on a progress line too: Lightning's end of
 * fit, which its logger may print on the line of the last epoch's bar
 * ("Epoch 1: 100%|...| 159463/159463 [...]INFO:...:`Trainer.fit` stopped:
 * `max_epochs=2` reached."). */
static const char *const final_marks[] = {"`Trainer.fit` stopped: `max_steps=", "`Trainer.fit` stopped: `max_epochs=",
                                          NULL};
/* Completion lines: positive evidence of success. */
static const char *const done_marks[] = {
    "Training complete", "training complete", "Training finished", "training finished",
    "TRAINING COMPLETE", /* in capitals under a banner (NVIDIA's DGX Spark playbooks) */
    "Training Complete", "Training Finished", "TRAINING FINISHED", /* and in title case */
    "Entra\xc3\xaenement termin\xc3\xa9", "Entrainement termine", /* French (its accents often lost) */
    "End of training. Time consumed", /* BasicSR and its forks (neosr, Real-ESRGAN) */
    "Finished training", "finished training", "after training is done", "'train_runtime'",
    "Process exits successfully", "exits successfully", "training done", "Training done",
    "final checkpoint saved", "saved final model", "Saved final model", "# Avg bus bandwidth", /* nccl-tests' summary */
    "finished successfully", "Finished successfully", "Finished Successfully",
    "JobStatus.SUCCEEDED", /* SkyPilot's and Ray's job status */
    /* Ray Tune's trial that returned ("Trial TorchTrainer_a748c_00000
     * completed. Last result: ..."); training summaries printed after the
     * loop ("Total Training Time: 21.98 min", "training wall time: 1.33
     * min"; not detectron2's "Total training time", which its hooks print
     * after a crash too) */
    " completed. Last result:", "Total Training Time:", "training wall time:",
    "State: COMPLETED (exit code 0)", /* Slurm's seff report of a job */
    "done training in", "Done training in", "DONE training in", /* fairseq_cli/train.py and forks */
    /* detectron2's IterationTimer.after_train (also after a crash, which
     * prints its exception first: a failure outranks a completion line) */
    "Overall training speed: ",
    "epochs completed in", /* ultralytics' trainer, also after early stopping */
    /* Megatron-LM's and GPT-NeoX's evaluation after the last iteration
     * ("validation loss|results at the end of training for val data"),
     * SageMaker's job status ("Completed - Training job completed") */
    "at the end of training for ", "Training job completed",
    /* TorchElastic's agent: its node's workers all exited 0 ("Local worker
     * group finished (SUCCEEDED)", "worker group successfully finished",
     * the SUCCEEDED worker event) */
    "worker group finished (SUCCEEDED)", "worker group successfully finished",
    "torchelastic.worker.status.SUCCEEDED",
    /* the transformers Trainer's metrics after train() returned (its
     * example scripts, TRL, LLaMA-Factory); SageMaker's DescribeTrainingJob
     * of a job that completed (Python's repr and JSON) */
    "***** train metrics *****", "'TrainingJobStatus': 'Completed'", "\"TrainingJobStatus\": \"Completed\"",
    /* the wandb client at the end of a run that returned normally (0.9 to
     * 0.11; a failed one says "Program failed with code N") */
    "wandb: Program ended successfully",
    /* PyTorch-Ignite's idist.Parallel leaving its context (it logs this
     * also when the run raised: the traceback after it decides) */
    "ignite.distributed.launcher.Parallel INFO: End of run",
    /* TorchX's status of the job when every replica of every role exited 0 */
    "Job finished: SUCCEEDED",
    /* `torchx status` of such a job ("AppDef:\n  State: SUCCEEDED") */
    "State: SUCCEEDED",
    /* the Trainer's final metrics logged as JSON (ms-swift's logging.jsonl
     * and console, Trainer log_history dumps): {"train_runtime": 633.3, ...} */
    "\"train_runtime\":",
    /* ms-swift's pipeline after its main() returned ("End time of running
     * main: 2025-05-21 ..."; an exception skips it) */
    "End time of running main",
    /* TorchForge's GRPO loop at its step limit ("Reached training limit (2
     * steps). Exiting continuous_training loop.") */
    "Reached training limit (",
    "Optimization Done.", /* Caffe's solver at the end of its iterations */
    "End model training", /* GluonTS's trainer after its last epoch */
    NULL};
/* Lines that contain a completion mark but report one unit of a run that
 * goes on (Ray Train: "Training finished iteration 3 at ..."). */
static const char *const not_done_marks[] = {"Training finished iteration", NULL};
/* lastresort.c: these select the launchers' failed-rank pattern
 * (TorchElastic and DeepSpeed, mp.spawn, mpirun, Composer); these the
 * rendezvous/master endpoint pattern. */
static const char *const rank_words[] = {"local_rank", "terminated with the following error",
                                         "terminated with signal", "terminated with exit code",
                                         "crashed with exit code", "the trainer process with rank=[",
                                         "Process name: [[", "it may have occurred for other processes",
                                         "attempting to start process rank", NULL};
static const char *const endpoint_words[] = {"dzv", "ASTER_ADDR", "aster_addr", "aster-addr", NULL};
/* lastresort.c: these select the pattern of the node a launcher names for
 * a failed process; mpirun's report names both the rank and the node */
static const char *const node_words[] = {"ray::", NULL};
static const char *const rank_node_words[] = {"noticed that process rank", "srun: error: ", NULL};
/* lastresort.c: these select the pattern of a GPU index a line names
 * (`cuda:0`, `GPU 2`, marian's `device gpu0`, torch_npu's `Device:0`,
 * TensorFlow's `/gpu:0`, `CUDA_VISIBLE_DEVICES=3`) */
static const char *const gpu_words[] = {"cuda:", "GPU", "device gpu", "Device:", "/gpu:", "CUDA_VISIBLE_DEVICES=", NULL};
/* activity.c: a gradient norm printed as nan or inf by a progress line or
 * a trainer's warning ("grad_norm: nan", "'grad_norm': nan", "The grad
 * norm is nan"); only these forms, not "grad_norm" itself, which every
 * step line of many trainers prints (a finite norm resets the count on
 * the progress line that prints it) */
static const char *const grad_words[] = {"grad_norm: nan", "grad_norm: inf", "grad_norm': nan", "grad_norm': inf",
                                         "grad_norm\": nan", "grad_norm\": inf", "grad_norm=nan", "grad_norm=inf",
                                         "grad norm: nan", "grad norm: inf", "grad norm is nan", "grad norm is inf",
                                         NULL};
/* activity.c: a tqdm bar over the epochs at 100% ("Epoch: 100%|###| 13/13") */
static const char *const epochs_words[] = {"Epoch: 100%|", "Epochs: 100%|", "epoch: 100%|", "epochs: 100%|", NULL};

#define TABLE_MAX LINEMARKS_MAX
_Static_assert(sizeof setup_marks / sizeof *setup_marks + sizeof start_marks / sizeof *start_marks +
                       sizeof again_marks / sizeof *again_marks + sizeof retry_marks / sizeof *retry_marks +
                       sizeof done_marks / sizeof *done_marks + sizeof error_marks / sizeof *error_marks +
                       sizeof not_done_marks / sizeof *not_done_marks + sizeof rank_words / sizeof *rank_words +
                       sizeof endpoint_words / sizeof *endpoint_words + sizeof node_words / sizeof *node_words +
                       sizeof rank_node_words / sizeof *rank_node_words + sizeof grad_words / sizeof *grad_words +
                       sizeof epochs_words / sizeof *epochs_words + sizeof final_marks / sizeof *final_marks +
                       sizeof gpu_words / sizeof *gpu_words <=
                   TABLE_MAX + 15,
               "raise LINEMARKS_MAX (linemarks.h)");
/* marks_new refuses a longer table, and then every line would be searched
 * for each mark alone (a table of 157 marks had passed MARKS_MAX = 128
 * unnoticed until the twenty-third session) */
_Static_assert(LINEMARKS_MAX <= MARKS_MAX, "raise MARKS_MAX (marks.h)");

static struct {
    const char *mark[TABLE_MAX];
    uint32_t bits[TABLE_MAX];
    size_t n;
    struct marks *set; /* NULL: no memory, each mark is searched for alone */
} t;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void add(const char *const *list, uint32_t bits)
{
    for (; *list; list++, t.n++) {
        t.mark[t.n] = *list;
        t.bits[t.n] = bits;
    }
}

static void build(void)
{
    add(setup_marks, LM_SETUP);
    add(start_marks, LM_START);
    add(again_marks, LM_START | LM_AGAIN);
    add(retry_marks, LM_RETRY);
    add(error_marks, LM_ERROR);
    add(done_marks, LM_DONE);
    add(final_marks, LM_DONE | LM_FINAL);
    add(not_done_marks, LM_NOT_DONE);
    add(rank_words, LM_RANK);
    add(endpoint_words, LM_ENDPOINT);
    add(node_words, LM_NODE);
    add(rank_node_words, LM_RANK | LM_NODE);
    add(grad_words, LM_GRAD);
    add(epochs_words, LM_EPOCHS);
    add(gpu_words, LM_GPU);
    t.set = marks_new(t.mark, t.bits, t.n);
}

size_t linemarks_table(const char *const **mark, const uint32_t **bits)
{
    pthread_once(&once, build);
    *mark = t.mark;
    *bits = t.bits;
    return t.n;
}

uint32_t linemarks_scan(const char *line, size_t len)
{
    pthread_once(&once, build);
    if (t.set)
        return marks_scan(t.set, line, len);
    uint32_t k = 0;
    for (size_t i = 0; i < t.n; i++)
        if (!(k & t.bits[i]) && memmem(line, len, t.mark[i], strlen(t.mark[i])))
            k |= t.bits[i];
    return k;
}

uint32_t linemarks_bits(const uint32_t *cand, size_t n)
{
    pthread_once(&once, build);
    uint32_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (cand[i] < t.n)
            k |= t.bits[cand[i]];
    return k;
}
