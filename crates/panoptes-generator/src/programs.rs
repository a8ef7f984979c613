//! The programs generated devices run: common Windows binaries with their file metadata, and
//! which parent starts which child with what command line, weighted by how often it happens.

/// A program file, as Defender's file fields describe it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Binary {
    pub name: &'static str,
    /// `{user}` stands for the signed-in user's profile folder name.
    pub folder: &'static str,
    pub company: &'static str,
    pub product: &'static str,
    pub description: &'static str,
    pub size: i64,
}

const MS: &str = "Microsoft Corporation";
const WIN: &str = "Microsoft® Windows® Operating System";

macro_rules! bin {
    ($name:expr, $folder:expr, $company:expr, $product:expr, $description:expr, $size:expr) => {
        Binary {
            name: $name,
            folder: $folder,
            company: $company,
            product: $product,
            description: $description,
            size: $size,
        }
    };
}

pub(crate) const BINARIES: &[Binary] = &[
    bin!("services.exe", r"C:\Windows\System32", MS, WIN, "Services and Controller app", 716_288),
    bin!("svchost.exe", r"C:\Windows\System32", MS, WIN, "Host Process for Windows Services", 57_360),
    bin!("explorer.exe", r"C:\Windows", MS, WIN, "Windows Explorer", 5_509_840),
    bin!("userinit.exe", r"C:\Windows\System32", MS, WIN, "Userinit Logon Application", 33_280),
    bin!(
        "chrome.exe",
        r"C:\Program Files\Google\Chrome\Application",
        "Google LLC",
        "Google Chrome",
        "Google Chrome",
        2_836_760
    ),
    bin!(
        "msedge.exe",
        r"C:\Program Files (x86)\Microsoft\Edge\Application",
        MS,
        "Microsoft Edge",
        "Microsoft Edge",
        3_871_120
    ),
    bin!(
        "OUTLOOK.EXE",
        r"C:\Program Files\Microsoft Office\root\Office16",
        MS,
        "Microsoft Outlook",
        "Microsoft Outlook",
        41_944_928
    ),
    bin!(
        "WINWORD.EXE",
        r"C:\Program Files\Microsoft Office\root\Office16",
        MS,
        "Microsoft Office",
        "Microsoft Word",
        1_637_216
    ),
    bin!(
        "EXCEL.EXE",
        r"C:\Program Files\Microsoft Office\root\Office16",
        MS,
        "Microsoft Office",
        "Microsoft Excel",
        59_001_696
    ),
    bin!(
        "ms-teams.exe",
        r"C:\Program Files\WindowsApps\MSTeams_24243.1309.3132.617_x64__8wekyb3d8bbwe",
        MS,
        "Microsoft Teams",
        "Microsoft Teams",
        1_041_720
    ),
    bin!(
        "OneDrive.exe",
        r"C:\Users\{user}\AppData\Local\Microsoft\OneDrive",
        MS,
        "Microsoft OneDrive",
        "Microsoft OneDrive",
        3_498_888
    ),
    bin!("cmd.exe", r"C:\Windows\System32", MS, WIN, "Windows Command Processor", 289_792),
    bin!("conhost.exe", r"C:\Windows\System32", MS, WIN, "Console Window Host", 868_864),
    bin!("powershell.exe", r"C:\Windows\System32\WindowsPowerShell\v1.0", MS, WIN, "Windows PowerShell", 455_680),
    bin!("taskhostw.exe", r"C:\Windows\System32", MS, WIN, "Host Process for Windows Tasks", 101_704),
    bin!("WmiPrvSE.exe", r"C:\Windows\System32\wbem", MS, WIN, "WMI Provider Host", 496_640),
    bin!("SearchProtocolHost.exe", r"C:\Windows\System32", MS, WIN, "Microsoft Windows Search Protocol Host", 402_944),
    bin!("backgroundTaskHost.exe", r"C:\Windows\System32", MS, WIN, "Background Task Host", 36_864),
    bin!("RuntimeBroker.exe", r"C:\Windows\System32", MS, WIN, "Runtime Broker", 135_168),
    bin!(
        "MsMpEng.exe",
        r"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0",
        MS,
        "Microsoft Malware Protection",
        "Antimalware Service Executable",
        133_432
    ),
    bin!(
        "MpCmdRun.exe",
        r"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0",
        MS,
        "Microsoft Malware Protection",
        "Microsoft Malware Protection Command Line Utility",
        1_497_392
    ),
    bin!("git.exe", r"C:\Program Files\Git\cmd", "The Git Development Community", "Git", "Git for Windows", 46_048),
    bin!(
        "Code.exe",
        r"C:\Users\{user}\AppData\Local\Programs\Microsoft VS Code",
        MS,
        "Visual Studio Code",
        "Visual Studio Code",
        158_478_096
    ),
    bin!("rundll32.exe", r"C:\Windows\System32", MS, WIN, "Windows host process (Rundll32)", 71_680),
    bin!("reg.exe", r"C:\Windows\System32", MS, WIN, "Registry Console Tool", 77_824),
    bin!("sc.exe", r"C:\Windows\System32", MS, WIN, "Service Control Manager Configuration Tool", 69_632),
    bin!("schtasks.exe", r"C:\Windows\System32", MS, WIN, "Task Scheduler Configuration Tool", 235_008),
    bin!("msiexec.exe", r"C:\Windows\System32", MS, WIN, "Windows® installer", 66_560),
    bin!("wuauclt.exe", r"C:\Windows\System32", MS, WIN, "Windows Update", 94_208),
    bin!(
        "TiWorker.exe",
        r"C:\Windows\WinSxS\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.22621.4825_none_7c2c1d4f0e5e1d0e",
        MS,
        WIN,
        "Windows Modules Installer Worker",
        241_664
    ),
    bin!(
        "sqlservr.exe",
        r"C:\Program Files\Microsoft SQL Server\MSSQL15.MSSQLSERVER\MSSQL\Binn",
        MS,
        "Microsoft SQL Server",
        "SQL Server Windows NT - 64 Bit",
        493_144
    ),
    bin!("w3wp.exe", r"C:\Windows\System32\inetsrv", MS, "Internet Information Services", "IIS Worker Process", 34_304),
    bin!("lsass.exe", r"C:\Windows\System32", MS, WIN, "Local Security Authority Process", 83_792),
    bin!("net.exe", r"C:\Windows\System32", MS, WIN, "Net Command", 58_368),
    bin!("whoami.exe", r"C:\Windows\System32", MS, WIN, "whoami - displays logged on user information", 73_728),
    bin!("ipconfig.exe", r"C:\Windows\System32", MS, WIN, "IP Configuration Utility", 36_352),
    bin!("gpupdate.exe", r"C:\Windows\System32", MS, WIN, "Microsoft® Windows Group Policy Update Utility", 30_720),
    bin!("7zG.exe", r"C:\Program Files\7-Zip", "Igor Pavlov", "7-Zip", "7-Zip GUI", 716_288),
    bin!(
        "Acrobat.exe",
        r"C:\Program Files\Adobe\Acrobat DC\Acrobat",
        "Adobe Inc.",
        "Adobe Acrobat",
        "Adobe Acrobat",
        6_795_240
    ),
    bin!(
        "zoom.exe",
        r"C:\Users\{user}\AppData\Roaming\Zoom\bin",
        "Zoom Video Communications, Inc.",
        "Zoom Meetings",
        "Zoom Meetings",
        532_088
    ),
    // Attack tooling (only scenarios use these).
    bin!(
        "procdump64.exe",
        r"C:\Users\{user}\Downloads",
        "Sysinternals - www.sysinternals.com",
        "ProcDump",
        "Sysinternals process dump utility",
        424_856
    ),
    bin!(
        "mimikatz.exe",
        r"C:\Windows\Temp",
        "gentilkiwi (Benjamin DELPY)",
        "mimikatz",
        "mimikatz for Windows",
        1_355_264
    ),
    bin!(
        "PsExec.exe",
        r"C:\Windows\Temp",
        "Sysinternals - www.sysinternals.com",
        "Sysinternals PsExec",
        "Execute processes remotely",
        716_176
    ),
    bin!("PSEXESVC.exe", r"C:\Windows", "Sysinternals", "Sysinternals PsExec", "PsExec Service", 188_328),
    bin!(
        "vssadmin.exe",
        r"C:\Windows\System32",
        MS,
        WIN,
        "Command Line Interface for Microsoft® Volume Shadow Copy Service",
        147_968
    ),
    bin!(
        "wbadmin.exe",
        r"C:\Windows\System32",
        MS,
        WIN,
        "Command Line Interface for Microsoft® BlockLevel Backup Engine",
        316_928
    ),
    bin!("bcdedit.exe", r"C:\Windows\System32", MS, WIN, "Boot Configuration Data Editor", 503_296),
    bin!("wmic.exe", r"C:\Windows\System32\wbem", MS, WIN, "WMI Commandline Utility", 571_392),
    bin!("svcupdate.exe", r"C:\ProgramData\svcupdate", "", "", "", 2_611_712),
];

/// How often a parent starts a child, with the child's command line. Placeholders:
/// `{user}`, `{n}` (a number), `{guid}`, `{hex}`, `{file}` (a document name), `{site}` (a web domain).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Launch {
    pub parent: &'static str,
    pub child: &'static str,
    pub command: &'static str,
    pub weight: u32,
    /// Runs as SYSTEM rather than the signed-in user.
    pub system: bool,
}

macro_rules! launch {
    ($parent:expr, $child:expr, $command:expr, $weight:expr, $system:expr) => {
        Launch { parent: $parent, child: $child, command: $command, weight: $weight, system: $system }
    };
}

pub(crate) const WORKSTATION_LAUNCHES: &[Launch] = &[
    launch!(
        "chrome.exe",
        "chrome.exe",
        r#""C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --enable-features=SharedArrayBuffer --lang=en-US --renderer-client-id={n} --field-trial-handle={n},i,{hex},{n},262144 /prefetch:1"#,
        260,
        false
    ),
    launch!(
        "msedge.exe",
        "msedge.exe",
        r#""C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --type=renderer --instant-process --lang=en-US --renderer-client-id={n} --mojo-platform-channel-handle={n} /prefetch:1"#,
        200,
        false
    ),
    launch!("services.exe", "svchost.exe", r"C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule", 60, true),
    launch!(
        "services.exe",
        "svchost.exe",
        r"C:\Windows\System32\svchost.exe -k LocalServiceNetworkRestricted -p -s EventLog",
        30,
        true
    ),
    launch!(
        "services.exe",
        "svchost.exe",
        r"C:\Windows\system32\svchost.exe -k UnistackSvcGroup -s WpnUserService_{hex}",
        40,
        false
    ),
    launch!("svchost.exe", "taskhostw.exe", r"taskhostw.exe Install $(Arg0)", 30, false),
    launch!(
        "svchost.exe",
        "backgroundTaskHost.exe",
        r#""C:\Windows\system32\backgroundTaskHost.exe" -ServerName:App.AppXmtcan0h2tfbfy7k9kn8hbxb6dmzz1zh0.mca"#,
        70,
        false
    ),
    launch!("svchost.exe", "RuntimeBroker.exe", r"C:\Windows\System32\RuntimeBroker.exe -Embedding", 60, false),
    launch!("svchost.exe", "WmiPrvSE.exe", r"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding", 40, true),
    launch!(
        "svchost.exe",
        "SearchProtocolHost.exe",
        r#""C:\Windows\system32\SearchProtocolHost.exe" Global\UsGthrFltPipeMssGthrPipe{n}_ Global\UsGthrCtrlFltPipeMssGthrPipe{n} 1 -2147483646 "Software\Microsoft\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)" "C:\ProgramData\Microsoft\Search\Data\Temp\usgthrsvc" "DownLevelDaemon""#,
        50,
        true
    ),
    launch!("svchost.exe", "wuauclt.exe", r#""C:\Windows\system32\wuauclt.exe" /RunHandlerComServer"#, 8, true),
    launch!(
        "services.exe",
        "MsMpEng.exe",
        r#""C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0\MsMpEng.exe""#,
        4,
        true
    ),
    launch!(
        "MsMpEng.exe",
        "MpCmdRun.exe",
        r#""C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0\MpCmdRun.exe" SignatureUpdate -ScheduleJob -RestrictPrivileges"#,
        10,
        true
    ),
    launch!("explorer.exe", "chrome.exe", r#""C:\Program Files\Google\Chrome\Application\chrome.exe""#, 20, false),
    launch!(
        "explorer.exe",
        "msedge.exe",
        r#""C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --single-argument https://{site}/"#,
        15,
        false
    ),
    launch!(
        "explorer.exe",
        "OUTLOOK.EXE",
        r#""C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE""#,
        6,
        false
    ),
    launch!(
        "explorer.exe",
        "WINWORD.EXE",
        r#""C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE" /n "C:\Users\{user}\Documents\{file}.docx""#,
        18,
        false
    ),
    launch!(
        "explorer.exe",
        "EXCEL.EXE",
        r#""C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE" "C:\Users\{user}\OneDrive\Finance\{file}.xlsx""#,
        14,
        false
    ),
    launch!(
        "explorer.exe",
        "ms-teams.exe",
        r#""C:\Program Files\WindowsApps\MSTeams_24243.1309.3132.617_x64__8wekyb3d8bbwe\ms-teams.exe" msteams:system-initiated"#,
        6,
        false
    ),
    launch!(
        "explorer.exe",
        "Acrobat.exe",
        r#""C:\Program Files\Adobe\Acrobat DC\Acrobat\Acrobat.exe" "C:\Users\{user}\Downloads\{file}.pdf""#,
        10,
        false
    ),
    launch!("explorer.exe", "cmd.exe", r#""C:\Windows\system32\cmd.exe""#, 6, false),
    launch!(
        "explorer.exe",
        "powershell.exe",
        r#""C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe""#,
        4,
        false
    ),
    launch!(
        "explorer.exe",
        "7zG.exe",
        r#""C:\Program Files\7-Zip\7zG.exe" x -o"C:\Users\{user}\Downloads\{file}\" -an -ai#7zMap{n}:{n}:7zEvent{n}"#,
        3,
        false
    ),
    launch!(
        "explorer.exe",
        "zoom.exe",
        r#""C:\Users\{user}\AppData\Roaming\Zoom\bin\Zoom.exe" "--url=zoommtg://zoom.us/join?action=join&confno={n}""#,
        4,
        false
    ),
    launch!(
        "explorer.exe",
        "Code.exe",
        r#""C:\Users\{user}\AppData\Local\Programs\Microsoft VS Code\Code.exe""#,
        4,
        false
    ),
    launch!("Code.exe", "git.exe", r"git.exe -c core.quotepath=false -c color.ui=false status -z -uall", 20, false),
    launch!("cmd.exe", "conhost.exe", r"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1", 12, false),
    launch!("cmd.exe", "ipconfig.exe", r"ipconfig  /all", 3, false),
    launch!("cmd.exe", "whoami.exe", r"whoami", 1, false),
    launch!("cmd.exe", "gpupdate.exe", r"gpupdate  /force", 2, false),
    launch!("powershell.exe", "conhost.exe", r"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1", 6, false),
    launch!(
        "svchost.exe",
        "powershell.exe",
        r#"powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "C:\ProgramData\Microsoft\Intune\Scripts\{guid}.ps1""#,
        6,
        true
    ),
    launch!("svchost.exe", "msiexec.exe", r"C:\Windows\system32\msiexec.exe /V", 3, true),
    launch!(
        "OneDrive.exe",
        "OneDrive.exe",
        r#""C:\Users\{user}\AppData\Local\Microsoft\OneDrive\OneDrive.exe" /updateInstalled /background"#,
        5,
        false
    ),
    launch!("userinit.exe", "explorer.exe", r"C:\Windows\Explorer.EXE", 1, false),
];

pub(crate) const SERVER_LAUNCHES: &[Launch] = &[
    launch!("services.exe", "svchost.exe", r"C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule", 80, true),
    launch!(
        "services.exe",
        "svchost.exe",
        r"C:\Windows\system32\svchost.exe -k NetworkService -p -s Dnscache",
        40,
        true
    ),
    launch!("svchost.exe", "WmiPrvSE.exe", r"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding", 90, true),
    launch!("svchost.exe", "taskhostw.exe", r"taskhostw.exe SYSTEM", 30, true),
    launch!(
        "svchost.exe",
        "TiWorker.exe",
        r"C:\Windows\winsxs\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.20348.2700_none_7c2c1d4f0e5e1d0e\TiWorker.exe -Embedding",
        10,
        true
    ),
    launch!(
        "svchost.exe",
        "powershell.exe",
        r#"powershell.exe -NoProfile -NonInteractive -Command "Get-Counter '\Processor(_Total)\% Processor Time' -SampleInterval 5 -MaxSamples 1""#,
        40,
        true
    ),
    launch!("powershell.exe", "conhost.exe", r"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1", 40, true),
    launch!(
        "svchost.exe",
        "w3wp.exe",
        r#"c:\windows\system32\inetsrv\w3wp.exe -ap "DefaultAppPool" -v "v4.0" -l "webengine4.dll" -a \\.\pipe\iisipm{guid} -h "C:\inetpub\temp\apppools\DefaultAppPool\DefaultAppPool.config" -w "" -m 0"#,
        12,
        true
    ),
    launch!(
        "services.exe",
        "sqlservr.exe",
        r#""C:\Program Files\Microsoft SQL Server\MSSQL15.MSSQLSERVER\MSSQL\Binn\sqlservr.exe" -sMSSQLSERVER"#,
        2,
        true
    ),
    launch!(
        "MsMpEng.exe",
        "MpCmdRun.exe",
        r#""C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0\MpCmdRun.exe" SignatureUpdate -ScheduleJob -RestrictPrivileges"#,
        12,
        true
    ),
    launch!("svchost.exe", "gpupdate.exe", r"gpupdate.exe /target:computer", 6, true),
];
