// SPDX-License-Identifier: GPL-2.0
/*
 * lab_input - the run's list and settings from the host, read from the
 * third legacy serial port (COM3, I/O ports 0x3e8-0x3ef) by polling, with
 * no tty and no serial driver in between.
 *
 * The host saves the guest while the runner waits for its input and
 * starts later boots from that saved state (scripts/qemu.sh, "Saved
 * guests"), so the input cannot be in the initramfs.  A serial port is
 * the simplest way in, but the 8250 driver's receive path allocates its
 * tty buffers (GFP_ATOMIC) under the port lock: lockdep then learns
 * port_lock -> the slab node's list_lock, and the first SLUB report
 * (printed under list_lock, through the serial console, which takes
 * console_owner and then port_lock) becomes a "possible circular locking
 * dependency" that hides the report and turns lockdep off.  Reading the
 * port's registers here takes no lock of the console's and allocates
 * nothing in atomic context.  The kernel command line keeps the 8250
 * driver off the port (8250.nr_uarts=2).
 *
 * /sys/kernel/debug/lab_input: a read blocks (interruptibly) until the
 * input's last line, "# end", has arrived, then returns the input, up to
 * LAB_INPUT_MAX bytes; reads go on from their offset.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/serial_reg.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#define LAB_INPUT_BASE 0x3e8
#define LAB_INPUT_PORTS 8
#define LAB_INPUT_MAX (1 << 20)
#define LAB_INPUT_END "\n# end\n"

static char *lab_input_buf;
static size_t lab_input_len;
static bool lab_input_done;
static DEFINE_MUTEX(lab_input_lock);
static struct dentry *lab_input_file;

/* Everything the port holds now; true once the last line has come. */
static bool lab_input_drain(void)
{
	size_t n = strlen(LAB_INPUT_END);

	while (inb(LAB_INPUT_BASE + UART_LSR) & UART_LSR_DR) {
		char c = inb(LAB_INPUT_BASE + UART_RX);

		if (lab_input_len >= LAB_INPUT_MAX)
			continue;
		lab_input_buf[lab_input_len++] = c;
		if (c == '\n' && lab_input_len >= n &&
		    !memcmp(lab_input_buf + lab_input_len - n, LAB_INPUT_END, n))
			return true;
	}
	return false;
}

static ssize_t lab_input_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	ssize_t ret;

	if (mutex_lock_interruptible(&lab_input_lock))
		return -EINTR;
	while (!lab_input_done) {
		if (lab_input_drain()) {
			lab_input_done = true;
			break;
		}
		if (signal_pending(current)) {
			mutex_unlock(&lab_input_lock);
			return -EINTR;
		}
		usleep_range(200, 500);
	}
	if (lab_input_len >= LAB_INPUT_MAX)
		pr_warn("input cut at %d bytes\n", LAB_INPUT_MAX);
	ret = simple_read_from_buffer(ubuf, count, ppos, lab_input_buf,
				      lab_input_len);
	mutex_unlock(&lab_input_lock);
	return ret;
}

static const struct file_operations lab_input_fops = {
	.owner = THIS_MODULE,
	.read = lab_input_read,
	.llseek = default_llseek,
};

static int __init lab_input_init(void)
{
	if (!request_region(LAB_INPUT_BASE, LAB_INPUT_PORTS, KBUILD_MODNAME)) {
		pr_err("I/O ports %#x-%#x are taken (8250.nr_uarts=2 leaves them free)\n",
		       LAB_INPUT_BASE, LAB_INPUT_BASE + LAB_INPUT_PORTS - 1);
		return -EBUSY;
	}
	lab_input_buf = vmalloc(LAB_INPUT_MAX);
	if (!lab_input_buf) {
		release_region(LAB_INPUT_BASE, LAB_INPUT_PORTS);
		return -ENOMEM;
	}
	/* no interrupts; the receive FIFO on and empty */
	outb(0, LAB_INPUT_BASE + UART_IER);
	outb(UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT,
	     LAB_INPUT_BASE + UART_FCR);
	lab_input_file = debugfs_create_file(KBUILD_MODNAME, 0400, NULL, NULL,
					     &lab_input_fops);
	return 0;
}

static void __exit lab_input_exit(void)
{
	debugfs_remove(lab_input_file);
	vfree(lab_input_buf);
	release_region(LAB_INPUT_BASE, LAB_INPUT_PORTS);
}

module_init(lab_input_init);
module_exit(lab_input_exit);
MODULE_DESCRIPTION("labyrinth: the host's input on COM3, polled");
MODULE_LICENSE("GPL");
